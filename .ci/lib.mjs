// Shared helpers for the repository scripts in .ci/ (plain Node, no dependencies,
// so they run before `npm ci`).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Runs a command, streaming its output; resolves with its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit", env: { ...process.env, ...options.env }, ...(options.cwd ? { cwd: options.cwd } : {}) });
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (options.echo) process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

/** Runs a command and throws when it fails. */
export async function must(command, args, options = {}) {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.code}`);
  return result;
}

export function step(text) {
  process.stderr.write(`\n▶ ${text}\n`);
}
