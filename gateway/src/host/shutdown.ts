import type { ExitInfo } from "./launch.js";
import type { ProcessHandle } from "./process-handle.js";

/** How a plugin ended: it exited after the Shutdown RPC, after SIGTERM, after SIGKILL, or had already exited. */
export type ShutdownOutcome = "graceful" | "terminated" | "killed" | "already-exited" | "detached";

/** Time limits of the shutdown sequence. */
export interface ShutdownTimeouts {
  /** Wait after the Shutdown RPC before SIGTERM (go-plugin: 2 s before SIGKILL). */
  readonly gracefulMs: number;
  /** Wait after SIGTERM before SIGKILL. */
  readonly terminateMs: number;
}

/** Default shutdown timeouts. */
export const DEFAULT_SHUTDOWN_TIMEOUTS: ShutdownTimeouts = { gracefulMs: 2000, terminateMs: 2000 };

/** Waits up to `ms` for the process to exit; true when it did. */
export async function waitForExit(handle: ProcessHandle, ms: number): Promise<boolean> {
  if (handle.exitInfo) return true;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  if (handle.probe) poll = setInterval(() => handle.probe?.(), 50);
  const result: ExitInfo | undefined = await Promise.race([handle.exit, timeout]);
  clearTimeout(timer);
  clearInterval(poll);
  return result !== undefined || handle.exitInfo !== undefined;
}

/**
 * After the Shutdown RPC has been sent: waits, then SIGTERM, waits, then SIGKILL,
 * and reports which step ended the process.
 */
export async function escalateUntilExit(handle: ProcessHandle, timeouts: ShutdownTimeouts): Promise<ShutdownOutcome> {
  if (await waitForExit(handle, timeouts.gracefulMs)) return "graceful";
  handle.kill("SIGTERM");
  if (await waitForExit(handle, timeouts.terminateMs)) return "terminated";
  handle.kill("SIGKILL");
  await waitForExit(handle, 10_000);
  return "killed";
}
