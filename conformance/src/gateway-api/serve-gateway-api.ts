import * as grpc from "@grpc/grpc-js";
import type { JsonObject } from "@bufbuild/protobuf";
import { addRpcService, RpcStatusError } from "polyplug/host";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { TOPIC_NAME_RULE, isEventName } from "@polyplug/sdk/internal/contract/names.js";
import { GatewayAPI, LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { structSize } from "@polyplug/sdk/internal/wire/struct-size.js";
import type { GatewayApiBackend, KvCondition } from "./gateway-api-backend.js";

/**
 * Keys starting with this prefix make KvGet fail with the gRPC status named after it
 * (`conformance-fail/UNAVAILABLE`), so cases can check how an SDK maps statuses.
 */
export const FAULT_KEY_PREFIX = "conformance-fail/";

/** One GatewayAPI call as the plugin made it, for traces. */
export interface ApiCall {
  readonly method: string;
  readonly request: unknown;
  readonly status: string;
}

/** Options of `registerGatewayApi`. */
export interface GatewayApiOptions {
  readonly backend: GatewayApiBackend;
  /** The namespace of this connection: the plugin id. */
  readonly namespace: string;
  /** Called after every call (for traces and call counts). */
  readonly onCall?: (call: ApiCall) => void;
  /** Called after SaveConfig succeeded, so the caller can send ConfigurationChanged. */
  readonly onConfigSaved?: (configuration: JsonObject) => void;
}

function invalid(field: string, message: string): RpcStatusError {
  return new RpcStatusError(grpc.status.INVALID_ARGUMENT, `${field}: ${message}`);
}

function checkKey(key: string, field = "key"): void {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes < 1 || bytes > LIMITS.kvKeyBytes)
    throw invalid(field, `KV key must be 1..${LIMITS.kvKeyBytes} bytes of UTF-8, got ${bytes} bytes`);
  if (key.includes("\u0000")) throw invalid(field, "KV key must not contain NUL");
}

function checkStruct(field: string, value: JsonObject | undefined, limit: number): void {
  // Measured exactly (structSize does not serialize): JSON length is no bound, a small number takes 1 byte there and 9+ in a Struct.
  if (value !== undefined && structSize(value) > limit)
    throw new RpcStatusError(grpc.status.RESOURCE_EXHAUSTED, `${field} is over the limit of ${limit} bytes`);
}

function faultFor(key: string): RpcStatusError | undefined {
  if (!key.startsWith(FAULT_KEY_PREFIX)) return undefined;
  const name = key.slice(FAULT_KEY_PREFIX.length);
  const code = (grpc.status as unknown as Record<string, number>)[name];
  return code === undefined ? undefined : new RpcStatusError(code, `injected failure ${name} for key ${key}`);
}

/** Registers polyplug.v1.GatewayAPI on `server`, validating requests and delegating to the backend. */
export function registerGatewayApi(server: grpc.Server, options: GatewayApiOptions): void {
  const { backend, namespace } = options;
  const wrap =
    <Q, R>(method: string, body: (request: Q) => Promise<R>) =>
    async (request: Q): Promise<R> => {
      try {
        const response = await body(request);
        options.onCall?.({ method, request, status: "OK" });
        return response;
      } catch (error) {
        const status =
          error instanceof RpcStatusError ? (grpc.status[error.status] ?? String(error.status)) : "INTERNAL";
        options.onCall?.({ method, request, status });
        throw error;
      }
    };
  addRpcService(server, GatewayAPI, {
    kvGet: wrap("KvGet", async (request) => {
      const fault = faultFor(request.key);
      if (fault) throw fault;
      checkKey(request.key);
      const result = await backend.kvGet(namespace, request.key);
      return {
        found: result.found,
        value: result.value,
        ...(result.expiresAtMs !== undefined
          ? {
              expiresAt: {
                seconds: BigInt(Math.floor(result.expiresAtMs / 1000)),
                nanos: (result.expiresAtMs % 1000) * 1e6,
              },
            }
          : {}),
      };
    }),
    kvSet: wrap("KvSet", async (request) => {
      checkKey(request.key);
      if (request.value.length > LIMITS.kvValueBytes)
        throw new RpcStatusError(
          grpc.status.RESOURCE_EXHAUSTED,
          `value is ${request.value.length} bytes, over the limit of ${LIMITS.kvValueBytes} bytes`,
        );
      let ttlMs = 0;
      if (request.ttl) {
        const ms = Number(request.ttl.seconds) * 1000 + request.ttl.nanos / 1e6;
        if (ms < 0) throw invalid("ttl", "must not be negative");
        ttlMs = Math.ceil(ms);
      }
      const condition: KvCondition =
        request.condition.case === "ifEquals"
          ? { kind: "ifEquals", value: request.condition.value }
          : request.condition.case === "ifAbsent" && request.condition.value
            ? { kind: "ifAbsent" }
            : { kind: "none" };
      return backend.kvSet(namespace, request.key, request.value, condition, ttlMs);
    }),
    kvDelete: wrap("KvDelete", async (request) => {
      checkKey(request.key);
      return { deleted: await backend.kvDelete(namespace, request.key, request.ifEquals) };
    }),
    kvList: wrap("KvList", async (request) => {
      if (Buffer.byteLength(request.prefix, "utf8") > LIMITS.kvKeyBytes)
        throw invalid("prefix", `must be at most ${LIMITS.kvKeyBytes} bytes`);
      if (request.pageSize > LIMITS.kvMaxPageSize)
        throw invalid("page_size", `must be 0..${LIMITS.kvMaxPageSize}, got ${request.pageSize}`);
      try {
        return await backend.kvList(
          namespace,
          request.prefix,
          request.pageSize || LIMITS.kvDefaultPageSize,
          request.pageToken,
        );
      } catch (error) {
        if (error instanceof Error && error.name === "InvalidPageToken") throw invalid("page_token", error.message);
        throw error;
      }
    }),
    log: wrap("Log", async (request) => {
      if (Buffer.byteLength(request.message, "utf8") > LIMITS.logMessageBytes)
        throw new RpcStatusError(
          grpc.status.RESOURCE_EXHAUSTED,
          `message is over the limit of ${LIMITS.logMessageBytes} bytes`,
        );
      checkStruct("fields", request.fields, LIMITS.logFieldsBytes);
      const level = LogLevel[request.level === LogLevel.UNSPECIFIED ? LogLevel.INFO : request.level] ?? "INFO";
      await backend.log(namespace, {
        level,
        message: request.message,
        fields: request.fields ?? {},
        requestId: request.requestId,
      });
      return {};
    }),
    publishEvent: wrap("PublishEvent", async (request) => {
      if (!isEventName(request.event))
        throw invalid("event", `event name ${JSON.stringify(request.event)} must match ${TOPIC_NAME_RULE}`);
      checkStruct("payload", request.payload, LIMITS.payloadBytes);
      const audience = request.audience
        ? {
            clientIds: request.audience.clientIds,
            matchLabels: request.audience.matchLabels,
            omitClientIds: request.audience.omitClientIds,
          }
        : undefined;
      await backend.publish(namespace, { event: request.event, payload: request.payload ?? {}, audience });
      return {};
    }),
    getConfig: wrap("GetConfig", async () => ({ configuration: await backend.getConfig(namespace) })),
    saveConfig: wrap("SaveConfig", async (request) => {
      const configuration = request.configuration ?? {};
      checkStruct("configuration", configuration, LIMITS.payloadBytes);
      await backend.saveConfig(namespace, configuration);
      options.onConfigSaved?.(configuration);
      return {};
    }),
  });
}
