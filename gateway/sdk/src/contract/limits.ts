// The contract's limits, each written once: proto/README.md §1 (message size) and §9 (the
// limits table), common.proto LIMITS, and the field comments of plugin.proto and
// gateway_api.proto. Sizes are bytes. Every SDK and the gateway enforce them; exceeding one
// is RESOURCE_EXHAUSTED (sizes) or INVALID_ARGUMENT (malformed names, keys, page sizes).
// The Go and Python SDKs keep their own copies (other languages).

/** The contract's limits (exported by the TS SDK as `LIMITS`). */
export const LIMITS = {
  /** Largest gRPC message on every plugin connection, both directions (§1, §9): 16 MiB. */
  messageBytes: 16 * 1024 * 1024,
  /**
   * Serialized google.protobuf.Struct (§9): the Intercept/Notify payload, configuration,
   * PublishEvent payload and ExecuteCommand data, 8 MiB each.
   */
  payloadBytes: 8 * 1024 * 1024,
  /** KV key: 1..512 bytes of UTF-8, no NUL (INVALID_ARGUMENT beyond). */
  kvKeyBytes: 512,
  /** KvList prefix: at most 512 bytes of UTF-8 (INVALID_ARGUMENT beyond). */
  kvPrefixBytes: 512,
  /** KV value: 0..1 MiB. */
  kvValueBytes: 1024 * 1024,
  /** KvList page_size: 1..1000 (INVALID_ARGUMENT beyond). */
  kvMaxPageSize: 1000,
  /** KvList page_size used when the request says 0. */
  kvDefaultPageSize: 100,
  /** ServeHTTP body chunk, both directions: 1..64 KiB. */
  httpChunkBytes: 64 * 1024,
  /** Log message, UTF-8. */
  logMessageBytes: 64 * 1024,
  /** Log fields, serialized Struct. */
  logFieldsBytes: 64 * 1024,
  /** ExecuteCommandResponse.text (plugin.proto). */
  commandTextBytes: 64 * 1024,
  /** InterceptReject.reason (plugin.proto). */
  rejectReasonBytes: 4 * 1024,
  /** PublishClusterMessage payload, serialized Struct (gateway_api.proto). */
  clusterMessageBytes: 1024 * 1024,
  /** Error.message (§8.3); longer messages are truncated by the receiver. */
  errorMessageBytes: 4 * 1024,
  /** Topics, commands or HTTP routes one Describe may list, each (§9). */
  describeEntries: 256,
  /** Audience.client_ids and Audience.omit_client_ids: ids each (gateway_api.proto). */
  audienceClientIds: 1000,
  /** Audience.match_labels: pairs (gateway_api.proto). */
  audienceLabels: 32,
} as const;

/** "8388608 bytes (8 MiB)" — how a limit is named in messages. */
export function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes} bytes (${bytes / (1024 * 1024)} MiB)`;
  if (bytes % 1024 === 0) return `${bytes} bytes (${bytes / 1024} KiB)`;
  return `${bytes} bytes`;
}
