import type { Writable } from "node:stream";
import { pino } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";

/** How `serve` and `dev` write their logs: one human line per record, or pino's JSON lines. */
export type LogFormat = "pretty" | "json";

/** The accepted values of `--log-format` / `logFormat`; `auto` is pretty on a TTY, JSON otherwise. */
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;

/** Resolves `auto` (or nothing) against the destination: a terminal gets pretty lines, pipes and files get JSON. */
export function chooseLogFormat(requested: string | undefined, destination: Writable): LogFormat {
  const value = requested ?? "auto";
  if (!(LOG_FORMATS as readonly string[]).includes(value)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--log-format must be one of ${LOG_FORMATS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  if (value === "auto") return (destination as Writable & { isTTY?: boolean }).isTTY ? "pretty" : "json";
  return value as LogFormat;
}

/** pino's levels from the most verbose to the least, then `silent`: the accepted values of `--log-level`. */
const LOG_LEVELS = [
  ...Object.entries(pino.levels.values)
    .sort(([, a], [, b]) => a - b)
    .map(([name]) => name),
  "silent",
];

/**
 * Checks `--log-level` (or `logLevel`), `fallback` when neither was given: pino itself
 * throws a bare internal error on an unknown level, after the command has started.
 */
export function chooseLogLevel(requested: string | undefined, fallback: string): string {
  const level = requested ?? fallback;
  if (!LOG_LEVELS.includes(level))
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`,
    );
  return level;
}

/**
 * The stream pino writes to. Pretty output is pino-pretty (loaded only when asked for, so a
 * JSON-logging gateway never pays for it): local date and time, level, `[pluginId]`, message,
 * then the record's other fields.
 */
export async function logStream(format: LogFormat, destination: Writable, color: boolean): Promise<Writable> {
  if (format === "json") return destination;
  const { default: pretty } = await import("pino-pretty");
  return pretty({
    destination,
    colorize: color,
    sync: true,
    singleLine: true,
    translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l",
    ignore: "pid,hostname,pluginId",
    messageFormat: "{if pluginId}[{pluginId}] {end}{msg}",
  });
}
