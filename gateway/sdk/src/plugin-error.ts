import { create } from "@bufbuild/protobuf";
import { ErrorCode, ErrorSchema, type Error as ProtoError } from "./gen/polyplug/v1/common_pb.js";
import { truncateErrorMessage } from "./contract/contract-error.js";

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
    if (reason instanceof Error)
      return new PluginError(ErrorCode.PLUGIN_FAILED, reason.message || reason.name, {}, { cause: reason });
    return new PluginError(ErrorCode.PLUGIN_FAILED, String(reason));
  }

  /** The error as the contract's `polyplug.v1.Error` message (message cut to 4 KiB). */
  toProto(): ProtoError {
    return create(ErrorSchema, {
      code: this.code,
      message: truncateErrorMessage(this.message),
      details: { ...this.details },
    });
  }
}

/** The contract's mapping of a gRPC status number to an ErrorCode (§8.3; unknown numbers: INTERNAL). */
export { contractCodeFromGrpcStatus as errorCodeFromGrpcStatus } from "./contract/codes.js";
