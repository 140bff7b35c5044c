import type { Logger } from "pino";
import { createTokenBucket } from "../token-bucket.js";
import { createLineClassifier, type ClassifiedLine } from "./hclog.js";

/** Where a plugin output line came from. */
export type PluginOutputSource = "stderr" | "stdout" | "grpc-stdout" | "grpc-stderr";

/** Rate limit for plugin log lines: a token bucket per plugin. */
export interface LogRateLimit {
  /** Sustained lines per second (default 1000). */
  readonly linesPerSecond: number;
  /** Lines allowed in a burst above the sustained rate (default 2000). */
  readonly burst: number;
}

/** Default plugin log rate limit. */
export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = { linesPerSecond: 1000, burst: 2000 };
/** Default number of recent output lines kept for error messages. */
export const DEFAULT_TAIL_LINES = 20;
/** Lines dropped by the rate limit are reported in one summary line per this interval. */
export const FLOOD_REPORT_INTERVAL_MS = 5000;
/** Bytes at the end of a chunk dropped unread that are still decoded, for the tail. */
const DROPPED_CHUNK_TAIL_BYTES = 2048;

/** Receives every output line of one plugin, logs it, and remembers the last few. */
export interface PluginLogSink {
  line(source: PluginOutputSource, text: string, partial?: boolean): void;
  /** The most recent lines (all sources), oldest first, including rate-limited ones. */
  tail(): string[];
  /** Lines dropped by the rate limit so far. */
  readonly dropped: number;
  /** Reports any pending suppressed-line count. */
  flush(): void;
  /**
   * True while the rate limit has no line left. A reader holding a whole chunk of output
   * then hands it to `dropChunk` instead of splitting it into lines: a flood costs a
   * newline count per chunk, not a string, a parse and a log call per line.
   */
  overBudget(): boolean;
  /** Counts `lines` lines dropped unread; the end of `chunk` is decoded for the tail only. */
  dropChunk(lines: number, chunk: Uint8Array): void;
}

const pinoLevel = { trace: "trace", debug: "debug", info: "info", warn: "warn", error: "error" } as const;

/**
 * Creates the sink that turns plugin output into pino records: hclog JSON lines keep
 * their level, message and fields; other lines are classified by prefix. A flood is cut
 * by a token bucket (dropped lines are counted and reported), so memory stays bounded.
 */
export function createPluginLogSink(options: {
  logger: Logger;
  rateLimit?: LogRateLimit;
  tailLines?: number;
  now?: () => number;
  /** Interval of the "suppressed N lines" summary (default FLOOD_REPORT_INTERVAL_MS). */
  reportIntervalMs?: number;
}): PluginLogSink {
  const { logger } = options;
  const rate = options.rateLimit ?? DEFAULT_LOG_RATE_LIMIT;
  const tailLimit = options.tailLines ?? DEFAULT_TAIL_LINES;
  const now = options.now ?? Date.now;
  const classifiers = new Map<PluginOutputSource, (line: string) => ClassifiedLine>();
  const recent: string[] = [];
  const bucket = createTokenBucket(rate.linesPerSecond, rate.burst, now);
  const interval = options.reportIntervalMs ?? FLOOD_REPORT_INTERVAL_MS;
  const pluginId = (logger.bindings() as { pluginId?: unknown }).pluginId;
  const who = typeof pluginId === "string" ? `plugin ${pluginId}` : "the plugin";
  let dropped = 0;
  let unreported = 0;
  let since = now();
  let timer: NodeJS.Timeout | undefined;

  /** One summary line for the drops since the last one (never one per dropped line). */
  const reportDrops = () => {
    clearTimeout(timer);
    timer = undefined;
    if (unreported === 0) return;
    const seconds = Math.max(1, Math.round((now() - since) / 1000));
    logger.warn(
      { suppressedLines: unreported, seconds },
      `suppressed ${unreported} lines from ${who} in the last ${seconds}s (log rate limit ${rate.linesPerSecond}/s)`,
    );
    unreported = 0;
  };
  const countDrops = (lines: number) => {
    if (unreported === 0 && timer === undefined) {
      since = now();
      timer = setTimeout(reportDrops, interval);
      timer.unref();
    }
    dropped += lines;
    unreported += lines;
  };
  const remember = (text: string) => {
    recent.push(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
    if (recent.length > tailLimit) recent.shift();
  };

  return {
    overBudget: () => bucket.empty(),
    dropChunk(lines, chunk) {
      const start = Math.max(0, chunk.byteLength - DROPPED_CHUNK_TAIL_BYTES);
      const end = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).subarray(start);
      // Whole lines only: the first piece is cut when the window starts mid-chunk; the last is unfinished.
      for (const text of end
        .toString("utf8")
        .split("\n")
        .slice(start > 0 ? 1 : 0, -1)
        .slice(-tailLimit))
        remember(text);
      countDrops(lines);
    },
    line(source, text, partial = false) {
      remember(text);
      if (!bucket.take()) {
        countDrops(1);
        return;
      }
      if (partial) {
        logger.debug({ source, partial: true }, text);
        return;
      }
      let classify = classifiers.get(source);
      if (!classify) {
        classify = createLineClassifier();
        classifiers.set(source, classify);
      }
      const entry = classify(text);
      const fields = entry.structured
        ? { ...entry.fields, source, ...(entry.timestamp ? { pluginTime: entry.timestamp } : {}) }
        : { source };
      logger[pinoLevel[entry.level]](fields, entry.message);
    },
    tail: () => [...recent],
    get dropped() {
      return dropped;
    },
    flush: reportDrops,
  };
}
