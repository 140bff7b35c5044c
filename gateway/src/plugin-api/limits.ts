/**
 * The GatewayAPI limits of app protocol version 1 (proto/polyplug/v1/common.proto,
 * "LIMITS", and the field comments of gateway_api.proto). Sizes are bytes.
 */

/** KV key: at least this many bytes of UTF-8. */
export const MIN_KV_KEY_BYTES = 1;
/** KV key: at most this many bytes of UTF-8 (INVALID_ARGUMENT beyond). */
export const MAX_KV_KEY_BYTES = 512;
/** KvList prefix: at most this many bytes of UTF-8 (INVALID_ARGUMENT beyond). */
export const MAX_KV_PREFIX_BYTES = 512;
/** KV value: at most 1 MiB (RESOURCE_EXHAUSTED beyond). */
export const MAX_KV_VALUE_BYTES = 1_048_576;
/** KvList page_size used when the request says 0. */
export const DEFAULT_KV_PAGE_SIZE = 100;
/** KvList page_size: at most this many keys per page (INVALID_ARGUMENT beyond). */
export const MAX_KV_PAGE_SIZE = 1000;
/** google.protobuf.Duration's largest valid seconds (about 10 000 years). */
export const MAX_DURATION_SECONDS = 315_576_000_000n;

/** Log message: at most 64 KiB of UTF-8 (RESOURCE_EXHAUSTED beyond). */
export const MAX_LOG_MESSAGE_BYTES = 65_536;
/** Log fields: at most 64 KiB as a serialized Struct (RESOURCE_EXHAUSTED beyond). */
export const MAX_LOG_FIELDS_BYTES = 65_536;
/** Log field keys reserved for the gateway; a plugin's own are renamed `plugin.<key>`. */
export const RESERVED_LOG_FIELDS: ReadonlySet<string> = new Set(["plugin_id", "level", "msg", "time", "request_id"]);

/** PublishEvent event name, without the plugin prefix (INVALID_ARGUMENT otherwise). */
export const EVENT_NAME_PATTERN = /^[a-z0-9_.-]{1,128}$/;
/** PublishEvent payload: at most 8 MiB as a serialized Struct (RESOURCE_EXHAUSTED beyond). */
export const MAX_EVENT_PAYLOAD_BYTES = 8_388_608;
/** Audience.client_ids and Audience.omit_client_ids: at most this many ids each. */
export const MAX_AUDIENCE_CLIENT_IDS = 1000;
/** Audience.match_labels: at most this many pairs. */
export const MAX_AUDIENCE_LABELS = 32;

/** SaveConfig configuration: at most 8 MiB as a serialized Struct (RESOURCE_EXHAUSTED beyond). */
export const MAX_CONFIG_BYTES = 8_388_608;

/** PublishClusterMessage payload: at most 1 MiB as a serialized Struct (RESOURCE_EXHAUSTED beyond). */
export const MAX_CLUSTER_MESSAGE_PAYLOAD_BYTES = 1024 * 1024;
