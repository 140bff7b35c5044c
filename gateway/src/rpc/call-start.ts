/**
 * The checks a gRPC call makes before it touches a connection, shared by both plugin transports
 * (rpc/http2-unary.ts on node:http2 and rpc/h2/unary-transport.ts) so they refuse alike.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { GrpcCallError } from "@polyplug/sdk/internal/rpc/unary-transport.js";

/** The plugin a transport calls, as its calls' checks and messages name it. */
export interface CallTarget {
  /** `network:address` of the plugin, for messages. */
  readonly target: string;
  /** The largest message a call may send. */
  readonly maxMessageBytes: number;
}

/**
 * Why a call cannot start — the transport is closed, the deadline passed (`timeoutMs` from `remainingMs`, undefined
 * without a deadline), the caller cancelled, the request is too big (0 bytes for a stream, whose messages are checked
 * as they are sent), in that order — or undefined.
 */
export function refuseCall(
  plugin: CallTarget,
  closed: boolean,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  requestBytes: number,
): GrpcCallError | undefined {
  if (closed)
    return new GrpcCallError(status.UNAVAILABLE, `the connection to the plugin at ${plugin.target} is closed`);
  if (timeoutMs !== undefined && timeoutMs <= 0)
    return new GrpcCallError(status.DEADLINE_EXCEEDED, "the deadline had passed before the call started");
  if (signal?.aborted) return new GrpcCallError(status.CANCELLED, "cancelled by the caller before the call started");
  if (requestBytes > plugin.maxMessageBytes)
    return new GrpcCallError(
      status.RESOURCE_EXHAUSTED,
      `request message of ${requestBytes} bytes is larger than the limit of ${plugin.maxMessageBytes} bytes`,
    );
  return undefined;
}

/** The error for a call whose request could not be started (bad metadata, session already gone). */
export function startFailure(target: string, error: unknown): GrpcCallError {
  return new GrpcCallError(
    status.UNAVAILABLE,
    `could not start a call to the plugin at ${target}: ${(error as Error).message}`,
  );
}
