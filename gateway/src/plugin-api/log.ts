import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { LogLevel, type GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import { checkStructSize, checkTextSize, invalidArgument } from "./request-checks.js";
import { RESERVED_LOG_FIELDS } from "./limits.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { createLogRateLimiter, DEFAULT_LOG_RATE_LIMIT, type LogRateLimit } from "./log-rate-limit.js";

type LogHandlers = Required<Pick<RpcHandlers<typeof GatewayAPI>, "log">>;

/** What the Log handler needs. */
export interface LogHandlerDeps {
  /** Logger already bound to the plugin's identity; records go here at the requested level. */
  readonly logger: Logger;
  /** Flood protection; default DEFAULT_LOG_RATE_LIMIT. */
  readonly rateLimit?: LogRateLimit;
  /** Clock for the rate limit, epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
}

const pinoLevel: Readonly<Record<number, "trace" | "debug" | "info" | "warn" | "error">> = {
  [LogLevel.UNSPECIFIED]: "info",
  [LogLevel.TRACE]: "trace",
  [LogLevel.DEBUG]: "debug",
  [LogLevel.INFO]: "info",
  [LogLevel.WARN]: "warn",
  [LogLevel.ERROR]: "error",
};

/** The plugin's fields with the gateway's reserved keys renamed `plugin.<key>`. */
export function renameReservedFields(fields: JsonObject): Record<string, JsonValue> {
  const result: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    result[RESERVED_LOG_FIELDS.has(key) ? `plugin.${key}` : key] = value;
  }
  return result;
}

/**
 * GatewayAPI.Log: validates the record (level known; message and fields within 64 KiB,
 * RESOURCE_EXHAUSTED naming the limit otherwise) and writes it into the plugin's logger
 * with its fields and `request_id`. Records over the rate limit are dropped (the call
 * still succeeds); the count is reported in a warning once records flow again.
 */
export function createLogHandler({ logger, rateLimit, now }: LogHandlerDeps): LogHandlers {
  const limiter = createLogRateLimiter(rateLimit ?? DEFAULT_LOG_RATE_LIMIT, now ?? Date.now);
  return {
    log(request) {
      const level = pinoLevel[request.level];
      if (level === undefined)
        throw invalidArgument("level", `unknown LogLevel ${request.level}; use LOG_LEVEL_TRACE..LOG_LEVEL_ERROR`);
      checkTextSize("message", request.message, "log message", LIMITS.logMessageBytes);
      checkStructSize("fields", request.fields, "log fields", LIMITS.logFieldsBytes);
      if (!limiter.take()) return {};
      const dropped = limiter.drainDropped();
      if (dropped > 0) logger.warn({ dropped }, `dropped ${dropped} log records from the plugin (rate limit)`);
      const record: Record<string, JsonValue> = renameReservedFields(request.fields ?? {});
      if (request.requestId !== "") record.request_id = request.requestId;
      logger[level](record, request.message);
      return {};
    },
  };
}
