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

/** Receives every output line of one plugin, logs it, and remembers the last few. */
export interface PluginLogSink {
  line(source: PluginOutputSource, text: string, partial?: boolean): void;
  /** The most recent lines (all sources), oldest first, including rate-limited ones. */
  tail(): string[];
  /** Lines dropped by the rate limit so far. */
  readonly dropped: number;
  /** Reports any pending suppressed-line count. */
  flush(): void;
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
}): PluginLogSink {
  const { logger } = options;
  const rate = options.rateLimit ?? DEFAULT_LOG_RATE_LIMIT;
  const tailLimit = options.tailLines ?? DEFAULT_TAIL_LINES;
  const now = options.now ?? Date.now;
  const classifiers = new Map<PluginOutputSource, (line: string) => ClassifiedLine>();
  const recent: string[] = [];
  const bucket = createTokenBucket(rate.linesPerSecond, rate.burst, now);
  let dropped = 0;
  let unreported = 0;

  const reportDrops = () => {
    if (unreported === 0) return;
    logger.warn({ suppressedLines: unreported }, `plugin output flood: ${unreported} line(s) suppressed by the log rate limit`);
    unreported = 0;
  };

  return {
    line(source, text, partial = false) {
      recent.push(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
      if (recent.length > tailLimit) recent.shift();
      if (!bucket.take()) {
        dropped += 1;
        unreported += 1;
        return;
      }
      reportDrops();
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
