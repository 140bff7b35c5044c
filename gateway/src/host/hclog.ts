/** Log levels a plugin line can carry, in pino's names. */
export type PluginLogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** One plugin output line, classified the way go-plugin's host classifies it. */
export interface ClassifiedLine {
  readonly level: PluginLogLevel;
  readonly message: string;
  /** Key/values of an hclog JSON line (without `@level`, `@message`, `@timestamp`). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The plugin's own timestamp, for hclog JSON lines that carry one. */
  readonly timestamp: string | undefined;
  /** True for hclog JSON lines. */
  readonly structured: boolean;
}

const hclogLevels: ReadonlySet<string> = new Set(["trace", "debug", "info", "warn", "error"]);
// hclog's JSON time layout: 2006-01-02T15:04:05.000000Z07:00 — six fractional digits, Z or ±hh:mm.
const hclogTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const prefixLevels: ReadonlyArray<[string, PluginLogLevel]> = [
  ["[TRACE]", "trace"],
  ["[DEBUG]", "debug"],
  ["[INFO]", "info"],
  ["[WARN]", "warn"],
  ["[ERROR]", "error"],
];

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function classifyJson(object: Record<string, unknown>, line: string): ClassifiedLine | undefined {
  const { "@level": level, "@message": message, "@timestamp": timestamp, ...fields } = object;
  // go-plugin type-asserts these; anything but a string is not an hclog line.
  if (level !== undefined && typeof level !== "string") return undefined;
  if (message !== undefined && typeof message !== "string") return undefined;
  if (timestamp !== undefined && (typeof timestamp !== "string" || !hclogTimestamp.test(timestamp))) return undefined;
  const normalized = level?.toLowerCase();
  if (normalized === undefined || !hclogLevels.has(normalized)) {
    return { level: "debug", message: line, fields: {}, timestamp: undefined, structured: false };
  }
  return { level: normalized as PluginLogLevel, message: message ?? "", fields, timestamp, structured: true };
}

/**
 * Classifies plugin output lines like go-plugin's host: hclog JSON lines keep their level,
 * message and fields; `[LEVEL]` prefixes pick a level; after a line starting with
 * `panic: ` or `fatal error: ` every later plain line is an error (a Go crash dump).
 * Everything else is debug. Create one per plugin output stream.
 */
export function createLineClassifier(): (line: string) => ClassifiedLine {
  let panicking = false;
  return (line) => {
    const object = parseJsonObject(line);
    const structured = object && classifyJson(object, line);
    if (structured) return structured;
    if (line.startsWith("panic: ") || line.startsWith("fatal error: ")) panicking = true;
    let level: PluginLogLevel = panicking ? "error" : "debug";
    if (!panicking) {
      for (const [prefix, prefixLevel] of prefixLevels) {
        if (line.startsWith(prefix)) {
          level = prefixLevel;
          break;
        }
      }
    }
    return { level, message: line, fields: {}, timestamp: undefined, structured: false };
  };
}
