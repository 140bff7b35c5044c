import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

/** One captured pino record. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A pino logger at trace level whose records land in `records`. */
export function captureLogs(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) records.push(JSON.parse(line) as LogRecord);
      done();
    },
  });
  return { logger: pino({ level: "trace" }, stream), records };
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function eventually(predicate: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
