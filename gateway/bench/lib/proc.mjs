// What Linux says about a process we did not write in JavaScript (the Go gateway): RSS
// and CPU time from /proc, so it is measured the same way whatever its language.
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux the benchmarks run on

/** Resident set size of `pid` in bytes (VmRSS). @param {number} pid */
export function procRss(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Anonymous memory of `pid` (/proc/PID/smaps_rollup `Anonymous`): its heaps and stacks, i.e. RSS without
 * file pages (for Node, 35-45 MiB of the `node` binary's code and data, shared with every Node process
 * and dropped by the kernel under pressure). Comparable across Node and Go, whose binaries differ in size.
 * @param {number} pid
 */
export function procAnonymousBytes(pid) {
  const match = /^Anonymous:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  if (!match) throw new Error(`no Anonymous in /proc/${pid}/smaps_rollup`);
  return Number(match[1]) * 1024;
}

/** CPU time of `pid` so far, user and system apart, in microseconds. @param {number} pid */
export function procCpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces), counted from field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const toUs = (ticks) => (Number(ticks) * 1e6) / TICKS_PER_SECOND;
  return { userUs: toUs(fields[11]), systemUs: toUs(fields[12]) };
}
