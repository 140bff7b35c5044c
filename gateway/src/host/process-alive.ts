/**
 * Whether process `pid` exists (signal 0): running, or a zombie its parent has not reaped yet. A process we may not
 * signal (EPERM: another user's, e.g. a sandboxed plugin under a dedicated uid) exists too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
