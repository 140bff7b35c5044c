/**
 * The checks a gRPC call makes before it touches a connection, shared by both plugin transports
 * (rpc/http2-unary.ts on node:http2 and rpc/h2/unary-transport.ts) so they refuse alike.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { GrpcCallError } from "@polyplug/sdk/internal/rpc/unary-transport.js";

/** What a call about to start is checked against. */
export interface CallStart {
  /** `network:address` of the plugin, for messages. */
  readonly target: string;
  /** The transport was closed. */
  readonly closed: boolean;
  /** Milliseconds left until the call's deadline (`remainingMs`), undefined without one. */
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The request message's size; 0 for a stream, whose messages are checked as they are sent. */
  readonly requestBytes: number;
  readonly maxMessageBytes: number;
}

/** Why the call cannot start — closed, deadline passed, cancelled, request too big, in that order — or undefined. */
export function refuseCall(start: CallStart): GrpcCallError | undefined {
  if (start.closed)
    return new GrpcCallError(status.UNAVAILABLE, `the connection to the plugin at ${start.target} is closed`);
  if (start.timeoutMs !== undefined && start.timeoutMs <= 0)
    return new GrpcCallError(status.DEADLINE_EXCEEDED, "the deadline had passed before the call started");
  if (start.signal?.aborted)
    return new GrpcCallError(status.CANCELLED, "cancelled by the caller before the call started");
  if (start.requestBytes > start.maxMessageBytes)
    return new GrpcCallError(
      status.RESOURCE_EXHAUSTED,
      `request message of ${start.requestBytes} bytes is larger than the limit of ${start.maxMessageBytes} bytes`,
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
