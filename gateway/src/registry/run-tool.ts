import { ErrorCode, PolyplugError } from "../errors.js";

/** How much of a failed tool's output an error quotes (its last characters). */
const OUTPUT_TAIL_CHARS = 2000;

/** Options of `runTool`. */
export interface RunToolOptions {
  readonly cwd: string;
  /** Added to the gateway's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** What the run is for, in the error message (e.g. "pip wheel for com.example.x"). */
  readonly what: string;
  /** Milliseconds before the tool is killed (default 10 minutes). */
  readonly timeoutMs?: number;
}

/**
 * Runs a build tool (go, pip, npm, python -m venv) to completion. Throws `failed_precondition`
 * naming the command, its exit status and the tail of its output when it is missing, fails
 * or times out; its output is not printed otherwise.
 */
export async function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<void> {
  // Loaded on first use: a gateway that builds no environment does not keep execa's ~1.5 MiB of heap (issue 17, memory).
  const { execa } = await import("execa");
  const result = await execa(command, [...args], {
    cwd: options.cwd,
    env: { ...options.env },
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
  });
  if (result.exitCode === 0 && !result.failed) return;
  const output = (result.all ?? "").trim().slice(-OUTPUT_TAIL_CHARS);
  const how = result.timedOut
    ? "timed out"
    : result.exitCode === undefined
      ? `could not start (${result.code ?? "error"}: is ${command} installed?)`
      : `exited with status ${result.exitCode}`;
  throw new PolyplugError(
    ErrorCode.FailedPrecondition,
    `${options.what}: \`${[command, ...args].join(" ")}\` ${how}${output ? `:\n${output}` : ""}`,
    { details: { command } },
  );
}
