import { type Code, ConnectError } from "@connectrpc/connect";
import { ContractCode, grpcStatusFromContractCode, toContractCode } from "@polyplug/sdk/internal/contract/codes.js";
import { ERROR_CODE_HEADER } from "@polyplug/sdk/internal/contract/headers.js";
import { PolyplugError } from "../errors.js";

/** Response header (gRPC: trailer) telling a shed caller when to retry, in seconds (RFC 9110 §10.2.3). */
export const RETRY_AFTER_HEADER = "retry-after";

/** The Connect / gRPC status code for a contract code (same numbers; PLUGIN_FAILED is UNKNOWN). */
function toConnectCode(code: ContractCode): Code {
  return grpcStatusFromContractCode(code) as number as Code;
}

/**
 * Converts anything a dispatcher call threw into a ConnectError: PolyplugErrors keep
 * their message, get the status of their contract code and carry their own code in the
 * `polyplug-error-code` header (and `details.retryAfterSeconds` in `retry-after`);
 * ConnectErrors pass through; anything else is INTERNAL.
 */
export function toConnectError(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const error = PolyplugError.from(reason);
  const metadata = new Headers({ [ERROR_CODE_HEADER]: error.code });
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number") metadata.set(RETRY_AFTER_HEADER, String(retryAfter));
  return new ConnectError(error.message, toConnectCode(toContractCode(error.code)), metadata, undefined, error);
}

// HTTP statuses for a failed plugin HTTP route (and for errors a plugin sends before its
// response head). Connect's code-to-status table, with one deliberate difference:
// FAILED_PRECONDITION is 412 Precondition Failed (Connect says 400), so a client can tell
// "the plugin or gateway is not in a state to serve this" from a malformed request.
// PLUGIN_FAILED, INTERNAL and anything unmapped are 500.
const httpStatus: Partial<Record<ContractCode, number>> = {
  [ContractCode.CANCELLED]: 499,
  [ContractCode.INVALID_ARGUMENT]: 400,
  [ContractCode.DEADLINE_EXCEEDED]: 504,
  [ContractCode.NOT_FOUND]: 404,
  [ContractCode.ALREADY_EXISTS]: 409,
  [ContractCode.PERMISSION_DENIED]: 403,
  [ContractCode.RESOURCE_EXHAUSTED]: 429,
  [ContractCode.FAILED_PRECONDITION]: 412,
  [ContractCode.UNIMPLEMENTED]: 501,
  [ContractCode.UNAVAILABLE]: 503,
};

/** The HTTP status for a contract code: 500 for PLUGIN_FAILED, INTERNAL and anything unmapped. */
export function httpStatusFor(code: ContractCode): number {
  return httpStatus[code] ?? 500;
}
