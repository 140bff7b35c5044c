// One story for error codes (proto/README.md §8). Two code sets exist, each with one name:
// - `ContractCode` (the proto enum polyplug.v1.ErrorCode) is the contract's code: what travels
//   between gateway and plugins and in the public Gateway API's protobuf messages. The TS SDK
//   exports it to plugin authors as `ErrorCode`.
// - `ErrorCode` (errors.ts, strings such as `plugin_exited`) is the gateway's own API code, finer
//   grained: what PolyplugError carries, what the CLI prints and the `polyplug-error-code` header
//   says. The gateway package exports it to applications as `ErrorCode`.
// This file holds every conversion between them and gRPC statuses, each table once.
import { status as grpcStatus } from "../rpc/grpc-status.js";
// The enum as a plain value (enums.ts): everything imports this file, no descriptor boots for it.
import { ErrorCode as ContractCode } from "./enums.js";
import { ErrorCode } from "../errors.js";

export { ContractCode };

/**
 * A received contract code as the receiver reads it (§8.3): ERROR_CODE_UNSPECIFIED and numbers
 * outside the version-1 set are INTERNAL. This is the one fallback rule for contract codes.
 */
export function readContractCode(code: number): ContractCode {
  return code !== ContractCode.UNSPECIFIED && ContractCode[code] !== undefined ? code : ContractCode.INTERNAL;
}

/** The name of a contract code without its prefix, e.g. `RESOURCE_EXHAUSTED`; `CODE_<n>` for a number outside the set. */
export function contractCodeName(code: number): string {
  return ContractCode[code] ?? `CODE_${code}`;
}

/** The name a receiver reads for a contract code: {@link contractCodeName} of {@link readContractCode}. */
export function readContractCodeName(code: number): string {
  return contractCodeName(readContractCode(code));
}

// §8.3: gRPC codes without a namesake, read into a contract code; the rest keep their number.
const fromGrpcStatus: Partial<Record<number, ContractCode>> = {
  [grpcStatus.UNKNOWN]: ContractCode.PLUGIN_FAILED,
  [grpcStatus.ABORTED]: ContractCode.FAILED_PRECONDITION,
  [grpcStatus.OUT_OF_RANGE]: ContractCode.INVALID_ARGUMENT,
  [grpcStatus.UNAUTHENTICATED]: ContractCode.PERMISSION_DENIED,
  [grpcStatus.DATA_LOSS]: ContractCode.INTERNAL,
};

/** The contract code for a gRPC status number (§8.3); OK and unknown numbers are INTERNAL. */
export function contractCodeFromGrpcStatus(status: number): ContractCode {
  if (status === grpcStatus.OK || grpcStatus[status] === undefined) return ContractCode.INTERNAL;
  // Every other gRPC code has a namesake with the same number.
  return fromGrpcStatus[status] ?? (status as ContractCode);
}

/**
 * The gRPC status (and Connect code: same numbers) for a contract code (§8.3): the namesake's
 * number, UNKNOWN for PLUGIN_FAILED, INTERNAL for UNSPECIFIED and numbers outside the set.
 */
export function grpcStatusFromContractCode(code: number): grpcStatus {
  const read = readContractCode(code);
  return read === ContractCode.PLUGIN_FAILED ? grpcStatus.UNKNOWN : (read as number as grpcStatus);
}

// The gateway's fine-grained codes folded into the contract's closed set: the one table between
// the two code sets. Start-up and transport failures are all "the plugin is not reachable now".
const contractCodeOf: Readonly<Record<ErrorCode, ContractCode>> = {
  [ErrorCode.InvalidArgument]: ContractCode.INVALID_ARGUMENT,
  [ErrorCode.StartFailed]: ContractCode.UNAVAILABLE,
  [ErrorCode.HandshakeTimeout]: ContractCode.UNAVAILABLE,
  [ErrorCode.HandshakeInvalid]: ContractCode.UNAVAILABLE,
  [ErrorCode.IncompatibleVersion]: ContractCode.FAILED_PRECONDITION,
  [ErrorCode.UnsupportedProtocol]: ContractCode.FAILED_PRECONDITION,
  [ErrorCode.PluginExited]: ContractCode.UNAVAILABLE,
  [ErrorCode.TlsFailed]: ContractCode.UNAVAILABLE,
  [ErrorCode.Unavailable]: ContractCode.UNAVAILABLE,
  [ErrorCode.Unhealthy]: ContractCode.UNAVAILABLE,
  [ErrorCode.BrokerFailed]: ContractCode.UNAVAILABLE,
  [ErrorCode.ReattachFailed]: ContractCode.UNAVAILABLE,
  [ErrorCode.RpcFailed]: ContractCode.PLUGIN_FAILED,
  [ErrorCode.NotFound]: ContractCode.NOT_FOUND,
  [ErrorCode.ResourceExhausted]: ContractCode.RESOURCE_EXHAUSTED,
  // "Remove the other one first": a state to fix, not "creating something that exists".
  [ErrorCode.Conflict]: ContractCode.FAILED_PRECONDITION,
  [ErrorCode.PluginFailed]: ContractCode.PLUGIN_FAILED,
  [ErrorCode.Unimplemented]: ContractCode.UNIMPLEMENTED,
  [ErrorCode.FailedPrecondition]: ContractCode.FAILED_PRECONDITION,
  [ErrorCode.PermissionDenied]: ContractCode.PERMISSION_DENIED,
  [ErrorCode.DeadlineExceeded]: ContractCode.DEADLINE_EXCEEDED,
  [ErrorCode.Cancelled]: ContractCode.CANCELLED,
  [ErrorCode.Internal]: ContractCode.INTERNAL,
};

/** The contract code for a gateway error code; strings that are not gateway codes are INTERNAL. */
export function toContractCode(code: string): ContractCode {
  return Object.hasOwn(contractCodeOf, code) ? contractCodeOf[code as ErrorCode] : ContractCode.INTERNAL;
}

// Codes about the gateway's own plugin processes and their answers: when a plugin's GatewayAPI
// call ends in one of them, the caller did nothing wrong, so it sees a gateway bug (§8.2).
const aboutPluginProcesses: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.StartFailed,
  ErrorCode.HandshakeTimeout,
  ErrorCode.HandshakeInvalid,
  ErrorCode.IncompatibleVersion,
  ErrorCode.UnsupportedProtocol,
  ErrorCode.PluginExited,
  ErrorCode.TlsFailed,
  ErrorCode.Unhealthy,
  ErrorCode.BrokerFailed,
  ErrorCode.ReattachFailed,
  ErrorCode.RpcFailed,
  ErrorCode.PluginFailed,
]);

/**
 * The gRPC status a GatewayAPI call answers for a gateway error code (§8.2): the status of its
 * contract code, except INTERNAL for codes about the gateway's plugin processes.
 */
export function gatewayApiStatus(code: ErrorCode): grpcStatus {
  return aboutPluginProcesses.has(code) ? grpcStatus.INTERNAL : grpcStatusFromContractCode(toContractCode(code));
}

// A failed gRPC call the gateway or an SDK made, read as a gateway code: the statuses §8.1
// reserves for transport problems (and INVALID_ARGUMENT) keep their meaning; any other status
// means the callee failed (rpc_failed, the contract's PLUGIN_FAILED).
const errorCodeOfStatus: Partial<Record<number, ErrorCode>> = {
  [grpcStatus.DEADLINE_EXCEEDED]: ErrorCode.DeadlineExceeded,
  [grpcStatus.CANCELLED]: ErrorCode.Cancelled,
  [grpcStatus.UNAVAILABLE]: ErrorCode.Unavailable,
  [grpcStatus.INVALID_ARGUMENT]: ErrorCode.InvalidArgument,
  // Over a message limit (ours, on a plugin's answer, or the plugin's own).
  [grpcStatus.RESOURCE_EXHAUSTED]: ErrorCode.ResourceExhausted,
};

/** The gateway code for the gRPC status of a failed call (§8.1); `rpc_failed` for the rest. */
export function gatewayCodeFromGrpcStatus(status: number): ErrorCode {
  return errorCodeOfStatus[status] ?? ErrorCode.RpcFailed;
}
