import { execa } from "execa";
import { ErrorCode, PolyplugError } from "../errors.js";
import { createLineSplitter, MAX_LINE_BYTES } from "./line-splitter.js";
import type { PluginLogSink } from "./plugin-log.js";

/** How a plugin process ended. */
export interface ExitInfo {
  /** Exit status, when it exited by itself. */
  readonly exitCode: number | undefined;
  /** Signal name, when a signal ended it. */
  readonly signal: string | undefined;
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
}

/** Describes an exit for messages: "exit code 1" or "signal SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return `exit code ${exit.exitCode ?? "unknown"}`;
}

function withTail(message: string, tail: readonly string[]): string {
  if (tail.length === 0) return `${message}. The plugin wrote nothing to stderr.`;
  return `${message}. Its last output lines:\n  ${tail.join("\n  ")}`;
}

/**
 * Starts the plugin with no shell, stdin closed, stdout and stderr piped. Stderr goes
 * line by line to the sink from the first byte; the first stdout line is the handshake
 * and later stdout lines go to the sink too (go-plugin discards them).
 */
export function launchPluginProcess(options: LaunchOptions): LaunchedProcess {
  const { sink } = options;
  const subprocess = execa(options.command, [...options.args], {
    env: options.env,
    extendEnv: false,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    cleanup: true,
    stripFinalNewline: false,
  });
  let exitInfo: ExitInfo | undefined;
  let spawnError: string | undefined;

  const exit: Promise<ExitInfo> = subprocess.then((result) => {
    if (result.failed && result.exitCode === undefined && result.signal === undefined) {
      spawnError = result.originalMessage ?? result.shortMessage;
    }
    exitInfo = { exitCode: result.exitCode, signal: result.signal };
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
              withTail(`timeout while waiting for the plugin to start: no handshake line on stdout within ${options.startTimeoutMs} ms`, sink.tail()),
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
          reject(new PolyplugError(ErrorCode.StartFailed, `could not start plugin ${JSON.stringify(options.command)}: ${spawnError}`, { details: { command: options.command } }));
          return;
        }
        const partialLine = Buffer.concat(first).toString("utf8");
        const what = partialLine ? ` after printing ${JSON.stringify(partialLine.slice(0, 200))} without a newline` : "";
        reject(
          new PolyplugError(
            ErrorCode.PluginExited,
            withTail(`plugin exited before completing the handshake (${describeExit(info)})${what}`, sink.tail()),
            { details: { exitCode: info.exitCode, signal: info.signal, stderr: sink.tail() } },
          ),
        );
      });
    });
  });

  return {
    pid: subprocess.pid,
    handshakeLine,
    exit,
    get exitInfo() {
      return exitInfo;
    },
    kill: (signal) => (exitInfo ? false : subprocess.kill(signal)),
  };
}
