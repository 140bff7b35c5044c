// Finds processes by a marker in their command line (/proc), and unix sockets left in a folder.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Pids whose command line contains every string of `parts` (this process excluded). */
export function pidsMatching(...parts) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
  }
  return pids;
}

/** Sends `signal` to every pid; ignores those already gone. Returns how many got it. */
export function signalAll(pids, signal) {
  let sent = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // gone already
    }
  }
  return sent;
}

/** Every entry below `dir` (recursively): sockets and folders a gateway left behind. */
export function entriesBelow(dir) {
  const found = [];
  const walk = (at) => {
    let names;
    try {
      names = readdirSync(at);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(at, name);
      found.push(full);
      try {
        if (statSync(full).isDirectory()) walk(full);
      } catch {
        // raced with a removal
      }
    }
  };
  walk(dir);
  return found;
}
