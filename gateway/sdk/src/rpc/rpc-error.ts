import * as grpc from "@grpc/grpc-js";
import { PolyplugError } from "../errors.js";
import { gatewayCodeFromGrpcStatus } from "../contract/codes.js";

/** A gRPC status name such as `UNAVAILABLE`, from its number. */
export function grpcStatusName(code: number): string {
  return grpc.status[code] ?? `CODE_${code}`;
}

/** True when `value` looks like a grpc-js call error (has a numeric `code` and `details`). */
export function isServiceError(value: unknown): value is grpc.ServiceError {
  return value instanceof Error && typeof (value as Partial<grpc.ServiceError>).code === "number";
}

/**
 * Converts a failed gRPC call into a PolyplugError. The gRPC status travels in
 * `details.grpcStatus` (name) so callers can still branch on it.
 */
export function fromGrpcError(reason: unknown, call: string): PolyplugError {
  if (reason instanceof PolyplugError) return reason;
  if (!isServiceError(reason)) return PolyplugError.from(reason);
  const status = grpcStatusName(reason.code);
  const code = gatewayCodeFromGrpcStatus(reason.code);
  return new PolyplugError(code, `${call} failed: ${status}: ${reason.details || reason.message}`, {
    cause: reason,
    details: { grpcStatus: status, grpcCode: reason.code },
  });
}

/** An error a handler throws to answer with a specific gRPC status. */
export class RpcStatusError extends Error {
  override readonly name = "RpcStatusError";
  constructor(
    readonly status: grpc.status,
    message: string,
  ) {
    super(message);
  }
}
