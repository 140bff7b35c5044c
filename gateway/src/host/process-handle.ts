import type { ExitInfo } from "./launch.js";
import { processAlive } from "./process-alive.js";

/** What the host needs of a plugin process, whether it launched it or reattached to it. */
export interface ProcessHandle {
  readonly pid: number | undefined;
  readonly exit: Promise<ExitInfo>;
  readonly exitInfo: ExitInfo | undefined;
  kill(signal: NodeJS.Signals): boolean;
  /** Checks liveness now, for handles that otherwise only poll (reattached processes). */
  probe?(): boolean;
}

/** go-plugin polls a reattached (non-child) process this often. */
export const REATTACH_POLL_MS = 1000;

/**
 * A handle on a process that is not our child: liveness by signal 0 every `pollMs`
 * (the exit status of a non-child cannot be known).
 */
export function watchForeignProcess(pid: number, pollMs = REATTACH_POLL_MS): ProcessHandle {
  let exitInfo: ExitInfo | undefined;
  let timer: NodeJS.Timeout | undefined;
  let check = (): boolean => true;
  const exit = new Promise<ExitInfo>((resolve) => {
    check = () => {
      if (exitInfo) return false;
      if (processAlive(pid)) return true;
      clearInterval(timer);
      exitInfo = { exitCode: undefined, signal: undefined };
      resolve(exitInfo);
      return false;
    };
    timer = setInterval(check, pollMs);
    timer.unref();
  });
  return {
    pid,
    exit,
    get exitInfo() {
      return exitInfo;
    },
    probe: () => check(),
    kill(signal) {
      if (exitInfo) return false;
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
