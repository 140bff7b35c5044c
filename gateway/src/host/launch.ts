import { constants as osConstants } from "node:os";
import { readFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { onExit } from "signal-exit";
import { ErrorCode, PolyplugError } from "../errors.js";
import { createLineSplitter, MAX_LINE_BYTES } from "./line-splitter.js";
import type { PluginLogSink } from "./plugin-log.js";
import type { Confinement } from "./sandbox/plugin-sandbox.js";

/** How a plugin process ended. */
export interface ExitInfo {
  /** Exit status, when it exited by itself. */
  readonly exitCode: number | undefined;
  /** Signal name, when a signal ended it. */
  readonly signal: string | undefined;
  /** Why the kernel ended it, when a resource limit did: "killed: memory limit 256 MiB". */
  readonly reason?: string | undefined;
}

/** A spawned plugin process whose first stdout line is the handshake. */
export interface LaunchedProcess {
  readonly pid: number | undefined;
  /** Resolves with the first stdout line; rejects on timeout, early exit or spawn failure. */
  readonly handshakeLine: Promise<string>;
  /** Resolves when the process has exited and its output pipes are drained. */
  readonly exit: Promise<ExitInfo>;
  /** Set once the process has exited. */
  readonly exitInfo: ExitInfo | undefined;
  /** Sends a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals): boolean;
}

/** Launch parameters. */
export interface LaunchOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly startTimeoutMs: number;
  readonly sink: PluginLogSink;
  /**
   * The plugin's sandbox and cgroup. With one, the process leads its own process group
   * (setsid), signals go to the whole group, SIGKILL also empties the cgroup, and once the
   * main process has exited whatever it left behind is killed before `exit` resolves.
   */
  readonly confinement?: Confinement | undefined;
}

/**
 * A sandboxed plugin runs under bubblewrap's init, which exits with 128+N when the plugin
 * died of signal N (the shell's convention): report the signal, as for an unsandboxed plugin.
 */
function sandboxedExit(
  exitCode: number | undefined,
  signal: string | undefined,
  sandboxed: boolean,
): { exitCode: number | undefined; signal: string | undefined } {
  if (!sandboxed || signal !== undefined || exitCode === undefined || exitCode <= 128 || exitCode > 128 + 64)
    return { exitCode, signal };
  const name = Object.entries(osConstants.signals).find(([, number]) => number === exitCode - 128)?.[0];
  return name ? { exitCode: undefined, signal: name } : { exitCode, signal };
}

/** Describes an exit for messages: "exit code 1" or "signal SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode ?? "unknown"}`;
  return exit.reason ? `${exit.reason}; ${how}` : how;
}

/** Process groups of confined plugins still running: killed if the gateway exits without stopping them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A confined plugin's whole process group goes, synchronously (unconfined children: trackChild).
  process.once("exit", () => {
    for (const group of liveGroups) signalGroup(group, "SIGKILL");
  });
}

/**
 * The plugin's own pid when it runs `depth` generations below the launched process (inside
 * bubblewrap): what operators see in status and signal by hand. Undefined until it exists.
 */
function descendant(pid: number | undefined, depth: number): number | undefined {
  let current = pid;
  for (let level = 0; level < depth && current !== undefined; level++) {
    try {
      const children = readFileSync(`/proc/${current}/task/${current}/children`, "utf8").trim().split(/\s+/);
      current = children[0] ? Number(children[0]) : undefined;
    } catch {
      return undefined;
    }
  }
  return current;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** After SIGTERM, SIGKILL if the process is still there this much later (execa's `forceKillAfterDelay`). */
const FORCE_KILL_AFTER_MS = 5000;

/** Sends `signal`; after a SIGTERM the process gets SIGKILL if it is still running FORCE_KILL_AFTER_MS later. */
function killChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  const sent = child.kill(signal);
  if (sent && signal === "SIGTERM") {
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }, FORCE_KILL_AFTER_MS);
    timer.unref();
    child.once("exit", () => clearTimeout(timer));
  }
  return sent;
}

/** What an exit message says when the plugin wrote no output at all. */
export const NO_OUTPUT = "(no output)";

/**
 * One line for a table cell or a banner: the message's first line and, when it carries the
 * plugin's output (withOutputTail), the last output line — usually the real cause, such as a
 * Python `ModuleNotFoundError` at the end of a traceback. At most `maxChars` characters.
 */
export function errorSummary(message: string, maxChars = 200): string {
  const [first = "", ...rest] = message.split("\n");
  const last = (
    rest
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .at(-1) ?? ""
  ).slice(0, Math.floor(maxChars / 2));
  const room = maxChars - (last ? last.length + 2 : 0);
  const full = first.replace(/\. Its last output lines:$/, "");
  // The head gives way first: the output line is the cause.
  const head = full.length > room ? `${full.slice(0, Math.max(0, room - 1))}…` : full;
  return last ? `${head}: ${last}` : head;
}

/** `message` followed by the plugin's last output lines (each on its own indented line), or by "(no output)". */
export function withOutputTail(message: string, tail: readonly string[]): string {
  const lines = tail.filter((line) => line.trim() !== "");
  if (lines.length === 0) return `${message}. Last output: ${NO_OUTPUT}`;
  return `${message}. Its last output lines:\n  ${lines.join("\n  ")}`;
}

/**
 * Live plugin processes that are not in their own process group: sent SIGTERM when the
 * gateway exits or dies of a signal (as execa's `cleanup` did). One `onExit` registration for
 * the process's lifetime — registering one per start cost ~0.5 ms (signal handlers installed
 * and removed each time, #17 start-up).
 */
const liveChildren = new Set<ChildProcess>();
let childExitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (childExitHookInstalled) return;
  childExitHookInstalled = true;
  onExit(() => {
    for (const live of liveChildren) live.kill("SIGTERM");
  });
}

/** How the spawned process ended, or why it never started. */
interface ChildResult {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** Set when the process could not be started (ENOENT, EACCES, bad cwd). */
  readonly spawnError: string | undefined;
}

/**
 * Resolves once the process has exited and its stdout and stderr are closed ("close"), or
 * at once when it could not be started ("error" before it had a pid).
 */
function childResult(child: ChildProcess): Promise<ChildResult> {
  return new Promise((resolve) => {
    let spawnError: string | undefined;
    child.once("error", (error) => {
      if (child.pid !== undefined) return;
      spawnError = error.message;
      resolve({ exitCode: undefined, signal: undefined, spawnError });
    });
    child.once("close", (code, signal) =>
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined, spawnError }),
    );
  });
}

/**
 * Starts the plugin with no shell, stdin closed, stdout and stderr piped. Stderr goes
 * line by line to the sink from the first byte; the first stdout line is the handshake
 * and later stdout lines go to the sink too (go-plugin discards them). node:child_process
 * directly, not execa: execa's option handling, promise plumbing and per-start exit hook
 * cost 0.5–2 ms of the gateway's thread per start (#17 start-up).
 */
export function launchPluginProcess(options: LaunchOptions): LaunchedProcess {
  const { sink } = options;
  const { confinement } = options;
  const subprocess = spawn(options.command, [...options.args], {
    env: options.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so a stop reaches everything it forked (confined launches only:
    // the bare host core behaves as go-plugin's does).
    detached: confinement !== undefined,
  });
  const result = childResult(subprocess);
  const group = confinement && subprocess.pid !== undefined ? subprocess.pid : undefined;
  if (group !== undefined) trackGroup(group);
  else if (subprocess.pid !== undefined) trackChild(subprocess);
  let pluginPid: number | undefined;
  // On the main process's exit, not once its pipes close: a child that inherited them would
  // keep them open (and itself alive) forever.
  if (confinement) {
    subprocess.once("exit", () => {
      if (group !== undefined) signalGroup(group, "SIGKILL");
      void confinement.killAll();
    });
  }
  let exitInfo: ExitInfo | undefined;
  let spawnError: string | undefined;

  const exit: Promise<ExitInfo> = result.then(async (ended) => {
    spawnError = ended.spawnError;
    let reason: string | undefined;
    if (group !== undefined) {
      // Hygiene: nothing the plugin started outlives it, whether it crashed or was stopped.
      signalGroup(group, "SIGKILL");
      liveGroups.delete(group);
    }
    if (confinement) {
      const released = await confinement.release();
      reason = released.reason;
      if (released.problem)
        sink.line("stderr", `[polyplug] could not clean up the plugin's cgroup: ${released.problem}`, false);
    }
    exitInfo = {
      ...sandboxedExit(ended.exitCode, ended.signal, confinement !== undefined),
      ...(reason ? { reason } : {}),
    };
    return exitInfo;
  });

  const stderr = createLineSplitter((line, partial) => sink.line("stderr", line, partial), MAX_LINE_BYTES, sink);
  subprocess.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  subprocess.stderr?.on("end", () => stderr.end());

  const handshakeLine = new Promise<string>((resolve, reject) => {
    let first: Buffer[] = [];
    let firstBytes = 0;
    let settled = false;
    const rest = createLineSplitter((line, partial) => sink.line("stdout", line, partial), MAX_LINE_BYTES, sink);
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const timer = setTimeout(
      () =>
        settle(() => {
          reject(
            new PolyplugError(
              ErrorCode.HandshakeTimeout,
              withOutputTail(
                `timeout while waiting for the plugin to start: no handshake line on stdout within ${options.startTimeoutMs} ms`,
                sink.tail(),
              ),
            ),
          );
        }),
      options.startTimeoutMs,
    );
    subprocess.stdout?.on("data", (chunk: Buffer) => {
      if (settled) {
        rest.push(chunk);
        return;
      }
      const newline = chunk.indexOf(0x0a);
      const head = newline === -1 ? chunk : chunk.subarray(0, newline);
      first.push(head);
      firstBytes += head.length;
      if (newline === -1 && firstBytes <= MAX_LINE_BYTES) return;
      const line = Buffer.concat(first).subarray(0, MAX_LINE_BYTES).toString("utf8");
      first = [];
      settle(() => resolve(line));
      if (newline !== -1) rest.push(chunk.subarray(newline + 1));
    });
    subprocess.stdout?.on("end", () => rest.end());
    void exit.then((info) => {
      settle(() => {
        if (spawnError !== undefined) {
          reject(
            new PolyplugError(
              ErrorCode.StartFailed,
              `could not start plugin ${JSON.stringify(options.command)}: ${spawnError}`,
              { details: { command: options.command } },
            ),
          );
          return;
        }
        const partialLine = Buffer.concat(first).toString("utf8");
        const what = partialLine
          ? ` after printing ${JSON.stringify(partialLine.slice(0, 200))} without a newline`
          : "";
        reject(
          new PolyplugError(
            ErrorCode.PluginExited,
            withOutputTail(`plugin exited before completing the handshake (${describeExit(info)})${what}`, sink.tail()),
            { details: { exitCode: info.exitCode, signal: info.signal, stderr: sink.tail() } },
          ),
        );
      });
    });
  });

  return {
    get pid() {
      pluginPid ??= descendant(subprocess.pid, confinement?.pluginDepth ?? 0);
      return pluginPid ?? subprocess.pid;
    },
    handshakeLine,
    exit,
    get exitInfo() {
      return exitInfo;
    },
    kill(signal) {
      if (exitInfo) return false;
      if (group === undefined) return killChild(subprocess, signal);
      const sent = signalGroup(group, signal);
      if (signal === "SIGKILL") void confinement?.killAll();
      return sent;
    },
  };
}
