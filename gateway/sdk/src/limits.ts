/** The contract's limits (proto/polyplug/v1/common.proto), enforced before sending. */
export const LIMITS = {
  /** Intercept/Notify payload, configuration, PublishEvent payload, command data: serialized Struct. */
  payloadBytes: 8 * 1024 * 1024,
  kvKeyBytes: 512,
  kvValueBytes: 1024 * 1024,
  kvMaxPageSize: 1000,
  /** ServeHTTP body chunk, both directions. */
  httpChunkBytes: 64 * 1024,
  logMessageBytes: 64 * 1024,
  logFieldsBytes: 64 * 1024,
  /** ExecuteCommandResponse.text. */
  commandTextBytes: 64 * 1024,
  /** InterceptReject.reason. */
  rejectReasonBytes: 4 * 1024,
} as const;

/** Event names (PublishEvent) and topics: `[a-z0-9_.-]{1,128}`. */
export const EVENT_NAME_PATTERN = /^[a-z0-9_.-]{1,128}$/;
/** Command names: `[a-z0-9_-]{1,64}`. */
export const COMMAND_NAME_PATTERN = /^[a-z0-9_-]{1,64}$/;
/** InterceptReject.code: `[a-z0-9_.-]{0,64}`. */
export const REJECT_CODE_PATTERN = /^[a-z0-9_.-]{0,64}$/;
/** Plugin ids: `[a-zA-Z0-9_.-]{3,190}`. */
export const PLUGIN_ID_PATTERN = /^[a-zA-Z0-9_.-]{3,190}$/;

/** "8388608 bytes (8 MiB)" — how a limit is named in messages. */
export function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes} bytes (${bytes / (1024 * 1024)} MiB)`;
  if (bytes % 1024 === 0) return `${bytes} bytes (${bytes / 1024} KiB)`;
  return `${bytes} bytes`;
}
