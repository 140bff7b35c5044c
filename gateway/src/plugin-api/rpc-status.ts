import * as grpc from "@grpc/grpc-js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { RpcStatusError } from "@polyplug/sdk/internal/rpc/rpc-error.js";

/** gRPC status answering each gateway error code (proto/README.md §8.3, by name). */
const statusOf: Readonly<Record<ErrorCode, grpc.status>> = {
  [ErrorCode.InvalidArgument]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.ResourceExhausted]: grpc.status.RESOURCE_EXHAUSTED,
  [ErrorCode.FailedPrecondition]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.Unavailable]: grpc.status.UNAVAILABLE,
  [ErrorCode.NotFound]: grpc.status.NOT_FOUND,
  [ErrorCode.Conflict]: grpc.status.ALREADY_EXISTS,
  [ErrorCode.PermissionDenied]: grpc.status.PERMISSION_DENIED,
  [ErrorCode.Unimplemented]: grpc.status.UNIMPLEMENTED,
  [ErrorCode.DeadlineExceeded]: grpc.status.DEADLINE_EXCEEDED,
  [ErrorCode.Cancelled]: grpc.status.CANCELLED,
  [ErrorCode.Internal]: grpc.status.INTERNAL,
  // Codes about the gateway's own plugin processes: from a plugin's view, gateway bugs.
  [ErrorCode.StartFailed]: grpc.status.INTERNAL,
  [ErrorCode.HandshakeTimeout]: grpc.status.INTERNAL,
  [ErrorCode.HandshakeInvalid]: grpc.status.INTERNAL,
  [ErrorCode.IncompatibleVersion]: grpc.status.INTERNAL,
  [ErrorCode.UnsupportedProtocol]: grpc.status.INTERNAL,
  [ErrorCode.PluginExited]: grpc.status.INTERNAL,
  [ErrorCode.TlsFailed]: grpc.status.INTERNAL,
  [ErrorCode.Unhealthy]: grpc.status.INTERNAL,
  [ErrorCode.BrokerFailed]: grpc.status.INTERNAL,
  [ErrorCode.ReattachFailed]: grpc.status.INTERNAL,
  [ErrorCode.RpcFailed]: grpc.status.INTERNAL,
  [ErrorCode.PluginFailed]: grpc.status.INTERNAL,
};

/**
 * The RpcStatusError a GatewayAPI handler answers for `reason`: a PolyplugError keeps
 * its message under the status of its code; anything else is INTERNAL (a gateway bug).
 */
export function toRpcStatusError(reason: unknown): RpcStatusError {
  if (reason instanceof RpcStatusError) return reason;
  if (reason instanceof PolyplugError) return new RpcStatusError(statusOf[reason.code] ?? grpc.status.INTERNAL, reason.message);
  const message = reason instanceof Error ? reason.message : String(reason);
  return new RpcStatusError(grpc.status.INTERNAL, `gateway bug: ${message}`);
}
