import { Writable } from "node:stream";

/** One gateway log record, as pino wrote it. */
export type LogRecord = Readonly<Record<string, unknown>> & {
  readonly level: number;
  readonly msg?: string;
  readonly pluginId?: string;
  readonly time?: number;
};

/** What a log subscriber wants: one plugin's records (or all), at or above a level. */
export interface LogFilter {
  readonly pluginId?: string;
  readonly minLevel?: number;
}

/** Keeps recent log records per plugin and streams new ones to subscribers. */
export interface LogTap {
  /** A pino destination (use with pino.multistream next to the real one). */
  readonly stream: Writable;
  /** The most recent records matching the filter, oldest first (at most `limit`). */
  recent(filter: LogFilter, limit?: number): LogRecord[];
  /** Calls `listener` for every new matching record; returns the unsubscribe function. */
  subscribe(filter: LogFilter, listener: (record: LogRecord) => void): () => void;
}

const matches = (filter: LogFilter, record: LogRecord) =>
  (filter.pluginId === undefined || record.pluginId === filter.pluginId) &&
  (filter.minLevel === undefined || record.level >= filter.minLevel);

/**
 * Creates a log tap that remembers the last `perPlugin` records of each plugin (and of
 * the gateway itself) — bounded memory whatever the log volume.
 */
export function createLogTap(perPlugin = 1000): LogTap {
  const buffers = new Map<string, LogRecord[]>();
  const listeners = new Set<{ filter: LogFilter; listener: (record: LogRecord) => void }>();
  let partial = "";
  const accept = (line: string) => {
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    const key = record.pluginId ?? "";
    const buffer = buffers.get(key) ?? [];
    buffer.push(record);
    if (buffer.length > perPlugin) buffer.shift();
    buffers.set(key, buffer);
    for (const { filter, listener } of listeners) if (matches(filter, record)) listener(record);
  };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line) accept(line);
      done();
    },
  });
  return {
    stream,
    recent(filter, limit = 200) {
      const source =
        filter.pluginId !== undefined
          ? (buffers.get(filter.pluginId) ?? [])
          : [...buffers.values()].flat().sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
      return source.filter((record) => matches(filter, record)).slice(-limit);
    },
    subscribe(filter, listener) {
      const entry = { filter, listener };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  };
}
