// Shared helpers for the repository scripts in .ci/ (plain Node, no dependencies,
// so they run before `npm ci`).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Seconds between "still running" lines while a command is quiet for long (npm ci compiling better-sqlite3, go build, pip). */
export const HEARTBEAT_SECONDS = Number(process.env.POLYPLUG_HEARTBEAT_SECONDS) || 15;

const started = (ms) => `${Math.round((Date.now() - ms) / 1000)} s`;

/**
 * Runs a command, streaming its output; resolves with its exit code. With `heartbeat: true`
 * (the default of `must`), a line "… still running: COMMAND (N s)" goes to stderr every
 * HEARTBEAT_SECONDS while it runs, so a long quiet step (a native compile) never looks hung.
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const since = Date.now();
    const label = [path.basename(command), ...args].join(" ").slice(0, 100);
    const heartbeat =
      options.heartbeat === true &&
      setInterval(
        () => process.stderr.write(`  … still running: ${label} (${started(since)})\n`),
        HEARTBEAT_SECONDS * 1000,
      );
    const child = spawn(command, args, {
      cwd: root,
      stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit",
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (options.echo) process.stdout.write(chunk);
    });
    child.on("error", (error) => {
      if (heartbeat) clearInterval(heartbeat);
      reject(error);
    });
    child.on("close", (code, signal) => {
      if (heartbeat) clearInterval(heartbeat);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

/** Runs a command and throws when it fails. */
export async function must(command, args, options = {}) {
  const result = await run(command, args, { heartbeat: true, ...options });
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.code}`);
  return result;
}

/** Announces a step; the returned function prints how long it took. */
export function step(text) {
  const since = Date.now();
  process.stderr.write(`\n▶ ${text}\n`);
  return () => process.stderr.write(`  ✔ ${text} (${started(since)})\n`);
}

/** Notes a step that was skipped because its output is up to date. */
export function skipped(text) {
  process.stderr.write(`▷ ${text}: up to date\n`);
}
