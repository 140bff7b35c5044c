import { readFile, rmdir, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** How long killing a cgroup's processes and removing it may take before we give up (and log). */
export const CGROUP_EMPTY_WAIT_MS = 5000;

/** Reads a cgroup file; undefined when it does not exist (a controller this kernel lacks). */
export async function readCgroupFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Writes a cgroup file; errors name the file and the value. */
export async function writeCgroupFile(file: string, value: string): Promise<void> {
  try {
    await writeFile(file, value);
  } catch (cause) {
    throw new Error(`cannot write ${JSON.stringify(value)} to ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** The pids listed in a cgroup.procs file (empty when it is gone). */
export async function cgroupPids(procsFile: string): Promise<number[]> {
  const text = (await readCgroupFile(procsFile)) ?? "";
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map(Number);
}

/** The number after `key` in a flat-keyed cgroup file ("oom_kill 3"); 0 when absent. */
export function flatKeyedValue(text: string | undefined, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, "m").exec(text ?? "");
  return match ? Number(match[1]) : 0;
}

/**
 * SIGKILLs every process listed in `procsFile` until none is left (a process may fork while
 * we read; every round kills what the previous one missed). Used where cgroup.kill is missing.
 */
export async function killListedProcesses(procsFile: string, deadlineMs = CGROUP_EMPTY_WAIT_MS): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const pids = await cgroupPids(procsFile);
    if (pids.length === 0) return true;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (Date.now() > until) return false;
    await sleep(10);
  }
}

/** Removes a cgroup directory, retrying while the kernel still counts exiting processes in it. */
export async function removeCgroupDir(dir: string, deadlineMs = CGROUP_EMPTY_WAIT_MS): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || Date.now() > until) throw error;
      await sleep(10);
    }
  }
}
