// A small but real GatewayAPI for tests: an in-memory KV with compare-and-set, expiry and
// paging, plus recorded log records, events and configuration saves.
import type { JsonObject } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { addRpcService, RpcStatusError } from "../../src/entry/host.js";
import { GatewayAPI, LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";

export interface RecordedLog {
  readonly level: string;
  readonly message: string;
  readonly fields: JsonObject;
  readonly requestId: string;
}

export interface RecordedEvent {
  readonly event: string;
  readonly payload: JsonObject;
  readonly audience: { clientIds: string[]; matchLabels: Record<string, string>; omitClientIds: string[] };
}

export interface MemoryGatewayApi {
  readonly kv: Map<string, { value: Uint8Array; expiresAt: number | undefined }>;
  readonly logs: RecordedLog[];
  readonly events: RecordedEvent[];
  /** PublishClusterMessage calls (a test plays the plugin's other copies). */
  readonly clusterMessages: Array<{ topic: string; payload: JsonObject }>;
  config: JsonObject;
  readonly savedConfigs: JsonObject[];
  /** Number of calls per method. */
  readonly calls: Record<string, number>;
  register(server: grpc.Server): void;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

export function createMemoryGatewayApi(initialConfig: JsonObject = {}): MemoryGatewayApi {
  const kv = new Map<string, { value: Uint8Array; expiresAt: number | undefined }>();
  const calls: Record<string, number> = {};
  const live = (key: string) => {
    const entry = kv.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      kv.delete(key);
      return undefined;
    }
    return entry;
  };
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const api: MemoryGatewayApi = {
    kv,
    logs: [],
    events: [],
    clusterMessages: [],
    config: initialConfig,
    savedConfigs: [],
    calls,
    register(server) {
      addRpcService(server, GatewayAPI, {
        kvGet(request) {
          count("kvGet");
          const entry = live(request.key);
          return entry
            ? {
                found: true,
                value: entry.value,
                ...(entry.expiresAt !== undefined ? { expiresAt: timestampFromMs(entry.expiresAt) } : {}),
              }
            : { found: false };
        },
        kvSet(request) {
          count("kvSet");
          const current = live(request.key);
          const condition = request.condition;
          const holds =
            condition.case === "ifEquals"
              ? current !== undefined && equal(current.value, condition.value)
              : condition.case === "ifAbsent" && condition.value
                ? current === undefined
                : true;
          if (!holds)
            return {
              applied: false,
              currentFound: current !== undefined,
              currentValue: current?.value ?? new Uint8Array(),
            };
          const ttl = request.ttl ? durationMs(request.ttl) : 0;
          if (ttl < 0) throw new RpcStatusError(grpc.status.INVALID_ARGUMENT, "ttl must not be negative");
          kv.set(request.key, { value: request.value, expiresAt: ttl > 0 ? Date.now() + ttl : undefined });
          return { applied: true };
        },
        kvDelete(request) {
          count("kvDelete");
          const current = live(request.key);
          if (!current || (request.ifEquals !== undefined && !equal(current.value, request.ifEquals)))
            return { deleted: false };
          kv.delete(request.key);
          return { deleted: true };
        },
        kvList(request) {
          count("kvList");
          const pageSize = request.pageSize || 100;
          if (pageSize > 1000) throw new RpcStatusError(grpc.status.INVALID_ARGUMENT, "page_size must be at most 1000");
          const keys = [...kv.keys()].filter((key) => key.startsWith(request.prefix) && live(key)).sort();
          const start = request.pageToken ? keys.findIndex((key) => key > request.pageToken) : 0;
          const page = start < 0 ? [] : keys.slice(start, start + pageSize);
          const last = page[page.length - 1];
          return { keys: page, nextPageToken: last !== undefined && keys.indexOf(last) < keys.length - 1 ? last : "" };
        },
        log(request) {
          count("log");
          api.logs.push({
            level: LogLevel[request.level]?.toLowerCase() ?? "info",
            message: request.message,
            fields: request.fields ?? {},
            requestId: request.requestId,
          });
          return {};
        },
        publishEvent(request) {
          count("publishEvent");
          const audience = request.audience ?? { clientIds: [], matchLabels: {}, omitClientIds: [] };
          api.events.push({
            event: request.event,
            payload: request.payload ?? {},
            audience: {
              clientIds: audience.clientIds,
              matchLabels: audience.matchLabels,
              omitClientIds: audience.omitClientIds,
            },
          });
          return {};
        },
        publishClusterMessage(request) {
          count("publishClusterMessage");
          api.clusterMessages.push({ topic: request.topic, payload: request.payload ?? {} });
          return {};
        },
        getConfig() {
          count("getConfig");
          return { configuration: api.config };
        },
        saveConfig(request) {
          count("saveConfig");
          api.config = request.configuration ?? {};
          api.savedConfigs.push(api.config);
          return {};
        },
      });
    },
  };
  return api;
}
