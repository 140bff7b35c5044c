import { performance } from "node:perf_hooks";

/** hclog's levels, lowest first. */
export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error";

/** Key/value pairs attached to a log record; values must be JSON-serialisable. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A structured logger writing hclog JSON lines to stderr, which every go-plugin host
 * (and the Polyplug gateway) turns into structured records of the plugin.
 */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  log(level: LogLevelName, message: string, fields?: LogFields): void;
  /** A logger whose `@module` is `<this module>.<name>`. */
  named(name: string): Logger;
  /** A logger that adds `fields` to every record. */
  with(fields: LogFields): Logger;
}

const order: Record<LogLevelName, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const reserved = new Set(["@level", "@message", "@timestamp", "@module"]);

/**
 * hclog's timestamp layout: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always six fractional digits
 * (a go-plugin host treats any other shape as plain text).
 */
export function hclogTimestamp(
  epochMicros: number = Math.floor((performance.timeOrigin + performance.now()) * 1000),
): string {
  const millis = Math.floor(epochMicros / 1000);
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const micros = String(Math.floor(epochMicros) % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 19)}.${micros}Z`;
}

function safeValue(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** One hclog JSON line (without the newline). `@level`, `@message`, `@timestamp` are always strings. */
export function formatHclogLine(
  level: LogLevelName,
  message: string,
  module: string | undefined,
  fields: LogFields,
): string {
  const record: Record<string, unknown> = {
    "@level": level,
    "@message": String(message),
    "@timestamp": hclogTimestamp(),
  };
  if (module) record["@module"] = module;
  for (const [key, value] of Object.entries(fields)) {
    if (!reserved.has(key) && value !== undefined) record[key] = safeValue(value);
  }
  try {
    return JSON.stringify(record);
  } catch (error) {
    // A field that cannot be serialised (a cycle): keep the record, say what was lost.
    return JSON.stringify({
      "@level": level,
      "@message": String(message),
      "@timestamp": record["@timestamp"],
      ...(module ? { "@module": module } : {}),
      "@warn": `fields dropped: ${(error as Error).message}`,
    });
  }
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** `@module` of the records (default: none). */
  readonly module?: string;
  /** Records below this level are dropped (default `trace`: the host filters). */
  readonly level?: LogLevelName;
  /** Where lines go (default: stderr). */
  readonly write?: (line: string) => void;
}

/** Creates an hclog JSON logger on stderr. */
export function createLogger(options: LoggerOptions = {}, fields: LogFields = {}): Logger {
  const min = order[options.level ?? "trace"];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const log = (level: LogLevelName, message: string, extra?: LogFields) => {
    if (order[level] < min) return;
    write(`${formatHclogLine(level, message, options.module, extra ? { ...fields, ...extra } : fields)}\n`);
  };
  return {
    trace: (m, f) => log("trace", m, f),
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    log,
    named: (name) => createLogger({ ...options, module: options.module ? `${options.module}.${name}` : name }, fields),
    with: (more) => createLogger(options, { ...fields, ...more }),
  };
}
