import { PolyplugError } from "../errors.js";

/** The periodic sweep of expired KV entries, as both stores run it. */
export interface ExpirySweeper {
  /** Starts (or restarts) the sweep every `intervalMs`; the timer never keeps the process alive. */
  start(intervalMs: number): void;
  /** Stops the sweep; a no-op when it is not running. */
  stop(): void;
}

/**
 * Runs `sweep` periodically. What it throws (SQLite) or rejects with (PostgreSQL) goes to `onError` as a
 * PolyplugError, and the sweep tries again next period.
 */
export function createExpirySweeper(
  sweep: () => number | Promise<number>,
  onError: ((error: PolyplugError) => void) | undefined,
): ExpirySweeper {
  let timer: NodeJS.Timeout | undefined;
  const report = (reason: unknown) => onError?.(PolyplugError.from(reason));
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    start(intervalMs) {
      stop();
      timer = setInterval(() => {
        try {
          const swept = sweep();
          if (swept instanceof Promise) swept.catch(report);
        } catch (reason) {
          report(reason);
        }
      }, intervalMs);
      timer.unref();
    },
    stop,
  };
}
