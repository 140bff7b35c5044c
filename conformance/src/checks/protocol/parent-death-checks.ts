import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import type { CheckFunction } from "../../check-context.js";
import { assert, fail } from "../../check-outcome.js";
import { rawPluginEnvironment } from "../../raw-plugin.js";
import { sleep } from "../raw-connection.js";

// A stand-in for the gateway: it starts the plugin with the stdio it was given (so the
// suite reads the plugin's stdout directly, and the pipes outlive it), reports the
// plugin's pid on fd 3, and waits to be killed.
const LAUNCHER = `
const { spawn } = require("node:child_process");
const [command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
require("node:fs").writeSync(3, child.pid + "\\n");
setInterval(() => undefined, 1 << 30);
`;

/** Whether `pid` still runs (a zombie counts as ended: it has exited, nobody reaped it yet). */
async function running(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // Field 3 (after the parenthesised command name) is the state; Z = zombie, X = dead.
  const state = stat?.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

function firstLine(stream: Readable, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => done(new Error(`no ${what} within ${timeoutMs} ms (got ${JSON.stringify(text.slice(0, 200))})`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const nl = text.indexOf("\n");
      if (nl >= 0) done(undefined, text.slice(0, nl));
    };
    const onEnd = () =>
      done(new Error(`the stream ended before a ${what} (got ${JSON.stringify(text.slice(0, 200))})`));
    const done = (error?: Error, line?: string) => {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      if (error) reject(error);
      else resolve(line ?? "");
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
  });
}

/**
 * The plugin exits when the process that launched it dies (proto/README.md §6 "Parent
 * death"): a launcher starts it, the launcher is SIGKILLed after the handshake, and the
 * plugin must be gone within `expect.within_ms` (the rule: check every 2 s).
 */
export const exitsWithParent: CheckFunction = async (ctx) => {
  const socketDir = await mkdtemp(path.join(tmpdir(), "pp-conf-"));
  ctx.defer(() => rm(socketDir, { recursive: true, force: true }));
  const { env, pluginEnv } = rawPluginEnvironment(ctx.settings, socketDir);
  const launcher = spawn(process.execPath, ["-e", LAUNCHER, ctx.target.command, ...ctx.target.args], {
    cwd: ctx.target.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let stderr = "";
  launcher.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  ctx.defer(() => launcher.kill("SIGKILL"));
  ctx.trace("spawned the plugin through a launcher process", { launcherPid: launcher.pid, env: pluginEnv });
  const pidLine = await firstLine(launcher.stdio[3] as Readable, "plugin pid from the launcher", 10_000);
  const pid = Number(pidLine);
  assert(
    Number.isInteger(pid) && pid > 0,
    `the launcher could not start the plugin (${JSON.stringify(pidLine)}); stderr: ${stderr.slice(-300)}`,
  );
  ctx.defer(async () => {
    if (await running(pid)) process.kill(pid, "SIGKILL");
  });
  const line = await firstLine(launcher.stdout as Readable, "handshake line", ctx.settings.startTimeoutMs).catch(
    (error: unknown) =>
      fail(
        `no handshake line: ${error instanceof Error ? error.message : String(error)}; stderr: ${stderr.slice(-300)}`,
      ),
  );
  ctx.trace("handshake line", line);
  launcher.kill("SIGKILL");
  const killedAt = Date.now();
  const limit = Number(ctx.spec.expect.within_ms ?? 10_000);
  while (await running(pid)) {
    if (Date.now() - killedAt > limit) {
      fail(
        `the plugin (pid ${pid}) was still running ${limit} ms after the process that launched it was killed; a plugin must exit when its parent dies - record the parent pid at start and exit when getppid() changes, checking at least every 2 s (§6)`,
      );
    }
    await sleep(100);
  }
  ctx.trace("plugin exited after its parent died", { ms: Date.now() - killedAt });
};
