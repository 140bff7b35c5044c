import { timestampFromMs, type Duration } from "@bufbuild/protobuf/wkt";
import type { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import type { KvStore } from "../store/store.js";
import { invalidArgument, sizeExceeded, utf8Bytes } from "./request-checks.js";
import { MAX_DURATION_SECONDS } from "./limits.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

type KvHandlers = Required<Pick<RpcHandlers<typeof GatewayAPI>, "kvGet" | "kvSet" | "kvDelete" | "kvList">>;

/** What the KV handlers need: the caller's identity (the namespace) and the store. */
export interface KvHandlerDeps {
  /** The plugin on whose connection calls arrive; the only source of the KV namespace. */
  readonly pluginId: string;
  readonly store: KvStore;
}

/** A lone UTF-16 surrogate: text that has no UTF-8 encoding. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws `invalid_argument` unless `key` is 1..512 bytes of well-formed UTF-8 without NUL. */
export function checkKvKey(field: string, key: string): void {
  const size = utf8Bytes(key);
  if (size < 1 || size > LIMITS.kvKeyBytes) {
    throw invalidArgument(field, `must be 1..${LIMITS.kvKeyBytes} bytes of UTF-8, got ${size} bytes`);
  }
  if (key.includes("\u0000")) throw invalidArgument(field, "must not contain NUL (U+0000)");
  if (loneSurrogate.test(key)) throw invalidArgument(field, "must be well-formed UTF-8");
}

function checkValue(field: string, value: Uint8Array): void {
  if (value.byteLength > LIMITS.kvValueBytes)
    throw sizeExceeded(field, value.byteLength, "KV value", LIMITS.kvValueBytes);
}

/** A Duration as whole milliseconds, rounded up; undefined for unset or zero (no expiry). */
export function ttlToMs(ttl: Duration | undefined): number | undefined {
  if (ttl === undefined) return undefined;
  const { seconds, nanos } = ttl;
  if (seconds < 0n || nanos < 0) throw invalidArgument("ttl", "must not be negative");
  if (nanos > 999_999_999 || seconds > MAX_DURATION_SECONDS)
    throw invalidArgument("ttl", "is not a valid google.protobuf.Duration");
  const ms = Number(seconds) * 1000 + Math.ceil(nanos / 1_000_000);
  return ms === 0 ? undefined : ms;
}

function pageSizeOf(requested: number): number {
  if (requested === 0) return LIMITS.kvDefaultPageSize;
  if (requested > LIMITS.kvMaxPageSize)
    throw invalidArgument(
      "page_size",
      `must be 1..${LIMITS.kvMaxPageSize} (0 means ${LIMITS.kvDefaultPageSize}), got ${requested}`,
    );
  return requested;
}

/**
 * KvGet, KvSet, KvDelete and KvList for one plugin: validates every request against the
 * contract's limits (nothing is stored when a check fails) and runs it in the plugin's
 * own namespace. Failures are thrown as PolyplugError; gateway-api.ts turns them into
 * gRPC statuses.
 */
export function createKvHandlers({ pluginId, store }: KvHandlerDeps): KvHandlers {
  return {
    async kvGet(request) {
      checkKvKey("key", request.key);
      const entry = await store.kvGet(pluginId, request.key);
      if (!entry) return { found: false };
      return {
        found: true,
        value: entry.value,
        ...(entry.expiresAt === undefined ? {} : { expiresAt: timestampFromMs(entry.expiresAt) }),
      };
    },
    async kvSet(request) {
      checkKvKey("key", request.key);
      checkValue("value", request.value);
      const ttlMs = ttlToMs(request.ttl);
      const { condition } = request;
      const result = await store.kvSet(pluginId, request.key, request.value, {
        ...(condition.case === "ifEquals" ? { ifEquals: condition.value } : {}),
        ...(condition.case === "ifAbsent" && condition.value ? { ifAbsent: true } : {}),
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
      if (result.applied) return { applied: true };
      return {
        applied: false,
        currentFound: result.current !== undefined,
        currentValue: result.current?.value ?? new Uint8Array(),
      };
    },
    async kvDelete(request) {
      checkKvKey("key", request.key);
      return { deleted: await store.kvDelete(pluginId, request.key, request.ifEquals) };
    },
    async kvList(request) {
      const prefixBytes = utf8Bytes(request.prefix);
      if (prefixBytes > LIMITS.kvPrefixBytes)
        throw invalidArgument(
          "prefix",
          `must be at most ${LIMITS.kvPrefixBytes} bytes of UTF-8, got ${prefixBytes} bytes`,
        );
      const page = await store.kvList(pluginId, request.prefix, pageSizeOf(request.pageSize), request.pageToken);
      return { keys: page.keys, nextPageToken: page.nextPageToken };
    },
  };
}
