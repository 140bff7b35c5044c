import { readdirSync, readFileSync } from "node:fs";

/** Live (non-zombie) processes whose parent is `pid`, from /proc. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && fields[0] !== "Z") children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/**
 * Signals `pid` and everything below it. A sandboxed plugin runs inside a launcher
 * (bubblewrap, its own session): stopping only the launcher's pid would not stop the plugin.
 */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const child of childPids(pid)) signalTree(child, signal);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Whether `pid` exists (signal 0): running, or a zombie its parent has not reaped yet. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
