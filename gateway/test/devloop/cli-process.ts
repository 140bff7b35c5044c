import { spawn, type ChildProcess } from "node:child_process";

/** A running child process whose output (stdout + stderr) is collected as it arrives. */
export interface WatchedProcess {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output printed after `from` (default 0). */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Starts `command args` and watches its output; the test waits on what it prints, never on sleeps. */
export function startWatched(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): WatchedProcess {
  const child = spawn(command, [...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd ? { cwd } : {}),
  });
  let text = "";
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, from = 0, timeoutMs = 150_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.slice(from).match(pattern);
          if (!match) return false;
          cleanup();
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${text.slice(-4000)}`));
        }, timeoutMs);
        void exited.then((code) => {
          if (check()) return;
          cleanup();
          reject(new Error(`the process exited (${code}) before printing ${pattern}:\n${text.slice(-4000)}`));
        });
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => void check();
        if (!check()) waiters.add(waiter);
      });
    },
  };
}
