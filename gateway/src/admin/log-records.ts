import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  AdminStreamLogsResponseSchema,
  type AdminStreamLogsResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { LogRecord } from "../runtime/log-tap.js";

/** pino's numeric level for the lowest Admin LogLevel wanted; undefined: every level. */
export function pinoLevelFor(level: LogLevel): number | undefined {
  switch (level) {
    case LogLevel.TRACE:
      return 10;
    case LogLevel.DEBUG:
      return 20;
    case LogLevel.INFO:
      return 30;
    case LogLevel.WARN:
      return 40;
    case LogLevel.ERROR:
      return 50;
    default:
      return undefined;
  }
}

function logLevelOf(pinoLevel: number): LogLevel {
  if (pinoLevel >= 50) return LogLevel.ERROR;
  if (pinoLevel >= 40) return LogLevel.WARN;
  if (pinoLevel >= 30) return LogLevel.INFO;
  if (pinoLevel >= 20) return LogLevel.DEBUG;
  return LogLevel.TRACE;
}

// Fields that have a place of their own in the message, or say nothing to an operator.
const OWN_FIELDS = new Set(["level", "msg", "time", "pluginId", "requestId", "pid", "hostname"]);

/** One pino record as an Admin log message; the other fields go to `fields`. */
export function toLogMessage(record: LogRecord): AdminStreamLogsResponse {
  const fields: JsonObject = {};
  for (const [key, value] of Object.entries(record)) {
    if (!OWN_FIELDS.has(key) && value !== undefined) fields[key] = value as JsonObject[string];
  }
  return create(AdminStreamLogsResponseSchema, {
    time: timestampFromMs(typeof record.time === "number" ? record.time : Date.now()),
    level: logLevelOf(record.level),
    msg: typeof record.msg === "string" ? record.msg : "",
    pluginId: typeof record.pluginId === "string" ? record.pluginId : "",
    requestId: typeof record.requestId === "string" ? record.requestId : "",
    fields,
  });
}
