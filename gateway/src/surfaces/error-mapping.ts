import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode as ProtoErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { type ErrorCode, PolyplugError } from "../errors.js";

/** Response header (gRPC: trailer) carrying the gateway's own error code, e.g. `plugin_exited`. */
export const ERROR_CODE_HEADER = "polyplug-error-code";
/** Response header (gRPC: trailer) telling a shed caller when to retry, in seconds (RFC 9110 §10.2.3). */
export const RETRY_AFTER_HEADER = "retry-after";

// The gateway's fine-grained codes, folded into the closed protocol set (common.proto).
// Start-up and transport failures are all "the plugin is not reachable right now".
const toProto: Record<ErrorCode, ProtoErrorCode> = {
  invalid_argument: ProtoErrorCode.INVALID_ARGUMENT,
  start_failed: ProtoErrorCode.UNAVAILABLE,
  handshake_timeout: ProtoErrorCode.UNAVAILABLE,
  handshake_invalid: ProtoErrorCode.UNAVAILABLE,
  incompatible_version: ProtoErrorCode.FAILED_PRECONDITION,
  unsupported_protocol: ProtoErrorCode.FAILED_PRECONDITION,
  plugin_exited: ProtoErrorCode.UNAVAILABLE,
  tls_failed: ProtoErrorCode.UNAVAILABLE,
  unavailable: ProtoErrorCode.UNAVAILABLE,
  unhealthy: ProtoErrorCode.UNAVAILABLE,
  broker_failed: ProtoErrorCode.UNAVAILABLE,
  reattach_failed: ProtoErrorCode.UNAVAILABLE,
  rpc_failed: ProtoErrorCode.PLUGIN_FAILED,
  not_found: ProtoErrorCode.NOT_FOUND,
  resource_exhausted: ProtoErrorCode.RESOURCE_EXHAUSTED,
  conflict: ProtoErrorCode.FAILED_PRECONDITION,
  plugin_failed: ProtoErrorCode.PLUGIN_FAILED,
  unimplemented: ProtoErrorCode.UNIMPLEMENTED,
  failed_precondition: ProtoErrorCode.FAILED_PRECONDITION,
  permission_denied: ProtoErrorCode.PERMISSION_DENIED,
  deadline_exceeded: ProtoErrorCode.DEADLINE_EXCEEDED,
  cancelled: ProtoErrorCode.CANCELLED,
  internal: ProtoErrorCode.INTERNAL,
};

/**
 * The protocol ErrorCode (common.proto) for a gateway error code string. Unknown strings
 * (codes that are not PolyplugError codes) are INTERNAL.
 */
export function toProtoErrorCode(code: string): ProtoErrorCode {
  return PolyplugError.isCode(code) ? toProto[code] : ProtoErrorCode.INTERNAL;
}

/** The Connect / gRPC status code for a protocol ErrorCode (same numbers; PLUGIN_FAILED is UNKNOWN). */
export function toConnectCode(code: ProtoErrorCode): Code {
  if (code === ProtoErrorCode.PLUGIN_FAILED) return Code.Unknown;
  if (code === ProtoErrorCode.UNSPECIFIED || !(code in Code)) return Code.Internal;
  return code as number as Code;
}

/**
 * Converts anything a dispatcher call threw into a ConnectError: PolyplugErrors keep
 * their message, get the mapped status code and carry their own code in the
 * `polyplug-error-code` header (and `details.retryAfterSeconds` in `retry-after`);
 * ConnectErrors pass through; anything else is INTERNAL.
 */
export function toConnectError(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const error = PolyplugError.from(reason);
  const metadata = new Headers({ [ERROR_CODE_HEADER]: error.code });
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number") metadata.set(RETRY_AFTER_HEADER, String(retryAfter));
  return new ConnectError(error.message, toConnectCode(toProtoErrorCode(error.code)), metadata, undefined, error);
}

// HTTP statuses for a failed plugin HTTP route (and for errors a plugin sends before its
// response head), per the Connect protocol's code-to-status table.
const httpStatus: Partial<Record<ProtoErrorCode, number>> = {
  [ProtoErrorCode.CANCELLED]: 499,
  [ProtoErrorCode.INVALID_ARGUMENT]: 400,
  [ProtoErrorCode.DEADLINE_EXCEEDED]: 504,
  [ProtoErrorCode.NOT_FOUND]: 404,
  [ProtoErrorCode.ALREADY_EXISTS]: 409,
  [ProtoErrorCode.PERMISSION_DENIED]: 403,
  [ProtoErrorCode.RESOURCE_EXHAUSTED]: 429,
  [ProtoErrorCode.FAILED_PRECONDITION]: 412,
  [ProtoErrorCode.UNIMPLEMENTED]: 501,
  [ProtoErrorCode.UNAVAILABLE]: 503,
};

/** The HTTP status for a protocol ErrorCode: 500 for PLUGIN_FAILED, INTERNAL and anything unmapped. */
export function httpStatusFor(code: ProtoErrorCode): number {
  return httpStatus[code] ?? 500;
}
