import type { Writable } from "node:stream";

/** Where CLI commands write; swappable in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether to colour human output. */
  readonly color: boolean;
  /** Where plugin logs go when a command shows them. */
  readonly logDestination: Writable;
}

/** The process's own stdout/stderr; colour when stdout is a TTY and NO_COLOR is unset. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
    logDestination: process.stderr,
  };
}

/** ANSI colour helpers that do nothing when colour is off. */
export function paint(enabled: boolean): Record<"red" | "green" | "yellow" | "dim" | "bold", (text: string) => string> {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
