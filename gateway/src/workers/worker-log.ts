import type { Level, Logger } from "pino";

const LEVELS: Readonly<Record<number, Level>> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/**
 * Writes one pino JSON line a worker logged into the gateway's logger (tagged with the worker's
 * slot), so worker records reach the same destination, format and operator log stream as the
 * gateway's own. A line that is not a pino record is logged as its text.
 */
export function forwardWorkerLog(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.info({ line: line.slice(0, 2000) }, "public-port worker output");
    return;
  }
  const { level, msg, time: _time, hostname: _hostname, ...fields } = record;
  const method = LEVELS[typeof level === "number" ? level : 30] ?? "info";
  logger[method](fields, typeof msg === "string" ? msg : "");
}
