import { execFileSync } from "node:child_process";

/** Makes a named pipe (Node has no mkfifo; the coreutils program does it). */
export function mkfifoSync(file: string): void {
  execFileSync("mkfifo", [file]);
}
