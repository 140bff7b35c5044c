import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ErrorCode, ErrorSchema, type Error as ProtoError } from "./gen/polyplug/v1/common_pb.js";

/** Longest Error.message the contract carries (4 KiB); longer ones are cut here. */
export const MAX_ERROR_MESSAGE_BYTES = 4096;

/**
 * The SDK's error: a contract `ErrorCode`, a message saying what was wrong, and string
 * details (well-known keys: `field`, `limit`, `plugin_id`). Throw it from a handler to
 * answer with that code; anything else thrown is reported as `ERROR_CODE_PLUGIN_FAILED`.
 * GatewayAPI calls reject with it, the code converted from the gRPC status.
 */
export class PluginError extends Error {
  override readonly name = "PluginError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Normalises anything thrown: PluginErrors stay, other errors become PLUGIN_FAILED with their message. */
  static from(reason: unknown): PluginError {
    if (reason instanceof PluginError) return reason;
    if (reason instanceof Error) return new PluginError(ErrorCode.PLUGIN_FAILED, reason.message || reason.name, {}, { cause: reason });
    return new PluginError(ErrorCode.PLUGIN_FAILED, String(reason));
  }

  /** The error as the contract's `polyplug.v1.Error` message. */
  toProto(): ProtoError {
    return create(ErrorSchema, { code: this.code, message: truncateUtf8(this.message, MAX_ERROR_MESSAGE_BYTES), details: { ...this.details } });
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  return bytes.subarray(0, maxBytes - 3).toString("utf8").replace(/\uFFFD$/, "") + "...";
}

const fromStatus: Partial<Record<number, ErrorCode>> = {
  [grpc.status.CANCELLED]: ErrorCode.CANCELLED,
  [grpc.status.UNKNOWN]: ErrorCode.PLUGIN_FAILED,
  [grpc.status.INVALID_ARGUMENT]: ErrorCode.INVALID_ARGUMENT,
  [grpc.status.DEADLINE_EXCEEDED]: ErrorCode.DEADLINE_EXCEEDED,
  [grpc.status.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [grpc.status.ALREADY_EXISTS]: ErrorCode.ALREADY_EXISTS,
  [grpc.status.PERMISSION_DENIED]: ErrorCode.PERMISSION_DENIED,
  [grpc.status.RESOURCE_EXHAUSTED]: ErrorCode.RESOURCE_EXHAUSTED,
  [grpc.status.FAILED_PRECONDITION]: ErrorCode.FAILED_PRECONDITION,
  [grpc.status.ABORTED]: ErrorCode.FAILED_PRECONDITION,
  [grpc.status.OUT_OF_RANGE]: ErrorCode.INVALID_ARGUMENT,
  [grpc.status.UNIMPLEMENTED]: ErrorCode.UNIMPLEMENTED,
  [grpc.status.INTERNAL]: ErrorCode.INTERNAL,
  [grpc.status.UNAVAILABLE]: ErrorCode.UNAVAILABLE,
  [grpc.status.DATA_LOSS]: ErrorCode.INTERNAL,
  [grpc.status.UNAUTHENTICATED]: ErrorCode.PERMISSION_DENIED,
};

/** The contract's mapping of a gRPC status number to an ErrorCode (unknown numbers: INTERNAL). */
export function errorCodeFromGrpcStatus(status: number): ErrorCode {
  return fromStatus[status] ?? ErrorCode.INTERNAL;
}

/** The name of an ErrorCode without its prefix, e.g. `RESOURCE_EXHAUSTED`. */
export function errorCodeName(code: ErrorCode): string {
  return ErrorCode[code] ?? `CODE_${code}`;
}
