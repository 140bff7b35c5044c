import type { JsonObject } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { PolyplugError } from "./errors.js";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import { LogLevel, type GatewayAPI } from "./gen/polyplug/v1/gateway_api_pb.js";
import type { RpcCallOptions, RpcClient } from "./rpc/client.js";
import { describeBytes, LIMITS } from "./contract/limits.js";
import { TOPIC_NAME_PATTERN, TOPIC_NAME_RULE } from "./contract/names.js";
import type { LogFields, LogLevelName } from "./logger.js";
import { checkStructSize, checkTextSize, toJsonObject } from "./payload.js";
import { PluginError } from "./plugin-error.js";
import { contractCodeFromGrpcStatus } from "./contract/codes.js";

/** Default deadline of every GatewayAPI call. */
export const DEFAULT_API_TIMEOUT_MS = 10_000;

/** A stored KV value. */
export interface KvEntry {
  readonly value: Uint8Array;
  /** When the key expires; undefined when it never does. */
  readonly expiresAt: Date | undefined;
  /** The value decoded as UTF-8. */
  text(): string;
  /** The value parsed as JSON (throws on invalid JSON). */
  json<T = unknown>(): T;
}

/** Options of `kv.set`. At most one of `ifEquals` / `ifAbsent`. */
export interface KvSetOptions {
  /** Write only if the key exists and holds exactly these bytes (strings are UTF-8). */
  readonly ifEquals?: string | Uint8Array;
  /** Write only if the key does not exist (or has expired). */
  readonly ifAbsent?: boolean;
  /** Expiry in milliseconds from the write; unset or 0 = never (clears an earlier expiry). */
  readonly ttlMs?: number;
}

/** Outcome of `kv.set`: a failed condition is data, not an error. */
export type KvSetResult =
  | { readonly applied: true }
  | { readonly applied: false; readonly current: Uint8Array | undefined };

/** One page of `kv.list`. */
export interface KvPage {
  readonly keys: readonly string[];
  /** Pass to the next `list` call; empty on the last page. */
  readonly nextPageToken: string;
}

/** The plugin's own KV namespace (the gateway derives it from the connection). */
export interface KvApi {
  /** The entry, or undefined when absent or expired. */
  get(key: string): Promise<KvEntry | undefined>;
  /** Writes `value` (strings are UTF-8), optionally compare-and-set and with a TTL. Durable once resolved. */
  set(key: string, value: string | Uint8Array, options?: KvSetOptions): Promise<KvSetResult>;
  /** Deletes `key` (only if it holds `ifEquals`, when given); false when nothing was deleted. */
  delete(key: string, options?: { readonly ifEquals?: string | Uint8Array }): Promise<boolean>;
  /** One page of keys starting with `prefix`, ascending; `pageSize` 1..1000 (default 100). */
  list(prefix?: string, options?: { readonly pageSize?: number; readonly pageToken?: string }): Promise<KvPage>;
  /** Every key starting with `prefix`, fetching pages as needed. */
  keys(prefix?: string): AsyncIterable<string>;
}

/** Which WebSocket clients receive an event; all empty = every client. */
export interface Audience {
  readonly clientIds?: readonly string[];
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly omitClientIds?: readonly string[];
}

/**
 * The typed client of `polyplug.v1.GatewayAPI`. Calls reject with a PluginError whose code
 * is the contract's ErrorCode (e.g. INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION);
 * limits are checked before sending. Default deadline 10 s.
 */
export interface GatewayApi {
  readonly kv: KvApi;
  /** A record in the gateway's log, tagged with the plugin id (and the hook's request id). */
  log(level: LogLevelName, message: string, fields?: LogFields): Promise<void>;
  /** Sends `<plugin_id>.<event>` to WebSocket clients; best effort. */
  publish(event: string, payload?: JsonObject, audience?: Audience): Promise<void>;
  /**
   * Sends `payload` under `topic` to this plugin's copies on the other gateways of the cluster
   * (their `onClusterMessage`); a gateway alone is a cluster of one. Needs "cluster" in the
   * manifest's permissions.api (PERMISSION_DENIED otherwise). Best effort, at most once.
   */
  publishClusterMessage(topic: string, payload?: JsonObject): Promise<void>;
  /** The plugin's stored configuration. */
  getConfig(): Promise<JsonObject>;
  /** Replaces the stored configuration (validated by the gateway; every instance then gets onConfigurationChanged). */
  saveConfig(config: JsonObject): Promise<void>;
}

const levels: Record<LogLevelName, LogLevel> = {
  trace: LogLevel.TRACE,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

function bytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

function checkKey(key: string): void {
  if (typeof key !== "string" || key.length === 0)
    throw new PluginError(ErrorCode.INVALID_ARGUMENT, "KV key must be a non-empty string", { field: "key" });
  if (key.includes("\u0000"))
    throw new PluginError(ErrorCode.INVALID_ARGUMENT, "KV key must not contain NUL", { field: "key" });
  if (Buffer.byteLength(key) > LIMITS.kvKeyBytes)
    throw new PluginError(ErrorCode.INVALID_ARGUMENT, `KV key is longer than ${LIMITS.kvKeyBytes} bytes`, {
      field: "key",
    });
}

function fromRpcError(reason: unknown, call: string): PluginError {
  if (reason instanceof PluginError) return reason;
  const status = reason instanceof PolyplugError ? reason.details.grpcCode : undefined;
  const code = typeof status === "number" ? contractCodeFromGrpcStatus(status) : ErrorCode.UNAVAILABLE;
  const grpcMessage =
    reason instanceof PolyplugError && reason.cause instanceof Error
      ? (reason.cause as { details?: string }).details
      : undefined;
  return new PluginError(
    code,
    `GatewayAPI.${call}: ${grpcMessage || (reason as Error)?.message || String(reason)}`,
    {},
    { cause: reason },
  );
}

function entry(value: Uint8Array, expiresAt: Date | undefined): KvEntry {
  return {
    value,
    expiresAt,
    text: () => Buffer.from(value).toString("utf8"),
    json: <T>() => JSON.parse(Buffer.from(value).toString("utf8")) as T,
  };
}

/**
 * Wraps the generated GatewayAPI client. `requestId` is sent with log records; `signal`
 * (a hook's cancellation) cancels in-flight calls.
 */
export function createGatewayApi(
  rpc: RpcClient<typeof GatewayAPI>,
  scope: { readonly requestId?: string; readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): GatewayApi {
  const options = (): RpcCallOptions => ({
    deadline: scope.timeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    ...(scope.signal ? { signal: scope.signal } : {}),
  });
  const call = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (reason) {
      throw fromRpcError(reason, name);
    }
  };

  const kv: KvApi = {
    async get(key) {
      checkKey(key);
      const response = await call("KvGet", () => rpc.kvGet({ key }, options()));
      return response.found
        ? entry(response.value, response.expiresAt ? timestampDate(response.expiresAt) : undefined)
        : undefined;
    },
    async set(key, value, setOptions = {}) {
      checkKey(key);
      const data = bytes(value);
      if (data.length > LIMITS.kvValueBytes) {
        throw new PluginError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `KV value is ${data.length} bytes, over the limit of ${describeBytes(LIMITS.kvValueBytes)}`,
          { limit: `${LIMITS.kvValueBytes} bytes` },
        );
      }
      if (setOptions.ifEquals !== undefined && setOptions.ifAbsent)
        throw new PluginError(ErrorCode.INVALID_ARGUMENT, "kv.set: use ifEquals or ifAbsent, not both", {
          field: "condition",
        });
      const ttlMs = setOptions.ttlMs ?? 0;
      if (!Number.isFinite(ttlMs) || ttlMs < 0)
        throw new PluginError(ErrorCode.INVALID_ARGUMENT, `kv.set: ttlMs must be a non-negative number, got ${ttlMs}`, {
          field: "ttl",
        });
      const condition =
        setOptions.ifEquals !== undefined
          ? { case: "ifEquals" as const, value: bytes(setOptions.ifEquals) }
          : setOptions.ifAbsent
            ? { case: "ifAbsent" as const, value: true }
            : { case: undefined };
      const response = await call("KvSet", () =>
        rpc.kvSet(
          { key, value: data, condition, ...(ttlMs > 0 ? { ttl: durationFromMs(Math.ceil(ttlMs)) } : {}) },
          options(),
        ),
      );
      return response.applied
        ? { applied: true }
        : { applied: false, current: response.currentFound ? response.currentValue : undefined };
    },
    async delete(key, deleteOptions = {}) {
      checkKey(key);
      const response = await call("KvDelete", () =>
        rpc.kvDelete(
          { key, ...(deleteOptions.ifEquals !== undefined ? { ifEquals: bytes(deleteOptions.ifEquals) } : {}) },
          options(),
        ),
      );
      return response.deleted;
    },
    async list(prefix = "", listOptions = {}) {
      const pageSize = listOptions.pageSize ?? 0;
      if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > LIMITS.kvMaxPageSize) {
        throw new PluginError(
          ErrorCode.INVALID_ARGUMENT,
          `kv.list: pageSize must be an integer 1..${LIMITS.kvMaxPageSize}, got ${pageSize}`,
          { field: "page_size" },
        );
      }
      const response = await call("KvList", () =>
        rpc.kvList({ prefix, pageSize, pageToken: listOptions.pageToken ?? "" }, options()),
      );
      return { keys: response.keys, nextPageToken: response.nextPageToken };
    },
    async *keys(prefix = "") {
      let pageToken = "";
      do {
        const page = await kv.list(prefix, { pageToken, pageSize: LIMITS.kvMaxPageSize });
        yield* page.keys;
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    },
  };

  return {
    kv,
    async log(level, message, fields = {}) {
      if (!(level in levels))
        throw new PluginError(
          ErrorCode.INVALID_ARGUMENT,
          `log level must be one of ${Object.keys(levels).join(", ")}, got ${JSON.stringify(level)}`,
          { field: "level" },
        );
      checkTextSize(message, LIMITS.logMessageBytes, "log message");
      const clean = toJsonObject(fields, "log fields");
      checkStructSize(clean, LIMITS.logFieldsBytes, "log fields");
      await call("Log", () =>
        rpc.log({ level: levels[level], message, fields: clean, requestId: scope.requestId ?? "" }, options()),
      );
    },
    async publish(event, payload = {}, audience = {}) {
      if (!TOPIC_NAME_PATTERN.test(event))
        throw new PluginError(
          ErrorCode.INVALID_ARGUMENT,
          `event name ${JSON.stringify(event)} must match ${TOPIC_NAME_RULE}`,
          { field: "event" },
        );
      const clean = toJsonObject(payload, "event payload");
      checkStructSize(clean, LIMITS.payloadBytes, "event payload");
      await call("PublishEvent", () =>
        rpc.publishEvent(
          {
            event,
            payload: clean,
            audience: {
              clientIds: [...(audience.clientIds ?? [])],
              matchLabels: { ...(audience.matchLabels ?? {}) },
              omitClientIds: [...(audience.omitClientIds ?? [])],
            },
          },
          options(),
        ),
      );
    },
    async publishClusterMessage(topic, payload = {}) {
      if (!TOPIC_NAME_PATTERN.test(topic))
        throw new PluginError(
          ErrorCode.INVALID_ARGUMENT,
          `topic ${JSON.stringify(topic)} must match ${TOPIC_NAME_RULE}`,
          { field: "topic" },
        );
      const clean = toJsonObject(payload, "cluster message payload");
      checkStructSize(clean, LIMITS.clusterMessageBytes, "cluster message payload");
      await call("PublishClusterMessage", () => rpc.publishClusterMessage({ topic, payload: clean }, options()));
    },
    async getConfig() {
      const response = await call("GetConfig", () => rpc.getConfig({}, options()));
      return response.configuration ?? {};
    },
    async saveConfig(config) {
      const clean = toJsonObject(config, "configuration");
      checkStructSize(clean, LIMITS.payloadBytes, "configuration");
      await call("SaveConfig", () => rpc.saveConfig({ configuration: clean }, options()));
    },
  };
}
