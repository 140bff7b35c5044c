/**
 * What every unary plugin-call transport shares: the transport contract, its options and the
 * error a failed call rejects with. Implementations: `rpc/h2/unary-transport.ts` (the raw
 * HTTP/2 client the host uses) and `rpc/http2-unary.ts` (node:http2, the tested fallback).
 */
import { status } from "./grpc-status.js";
import type { ListenAddress, MutualTls } from "./endpoint.js";

/** Per-call options. */
export interface RpcCallOptions {
  /** Absolute deadline, or milliseconds from now. */
  readonly deadline?: Date | number;
  /** Cancels the call; the plugin sees CANCELLED. */
  readonly signal?: AbortSignal;
  /** Request metadata (gRPC headers). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A failed call shaped like a grpc-js ServiceError (numeric `code`, `details`), so `fromGrpcError` maps both alike. */
export class GrpcCallError extends Error {
  override readonly name = "GrpcCallError";
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${status[code] ?? code}: ${details}`);
  }
}

/**
 * A streaming call as serialised messages (server streaming: one `send`, then `end`). The
 * responses end when the call does; a failed call throws a GrpcCallError from the iteration.
 * Leaving the iteration early cancels the call.
 */
export interface RawStream {
  /** Queues one message; false when more than the transport's buffer is queued (wait for `drained()`). */
  send(message: Uint8Array): boolean;
  /** Resolves when the queue has room again (at once if it has, or once the call is over). */
  drained(): Promise<void>;
  /** Half-closes the request side. */
  end(): void;
  /** Ends the call now (RST_STREAM CANCEL); the responses end with CANCELLED. */
  cancel(): void;
  readonly responses: AsyncIterable<Buffer>;
}

/** Sends unary gRPC calls as already-serialised protobuf bytes. */
export interface UnaryTransport {
  /**
   * Calls `path` (`/pkg.Service/Method`) with one serialised request and resolves with the
   * serialised response. Rejects with a GrpcCallError carrying the gRPC status.
   */
  unary(path: string, request: Uint8Array, options?: RpcCallOptions): Promise<Buffer>;
  /**
   * Opens a streaming call on the same connection as the unary calls (the plugin's broker and
   * stdio streams, issue 17: no second connection per plugin). Absent: streams need grpc-js.
   */
  stream?(path: string, options?: RpcCallOptions): RawStream;
  /** Opens the connection ahead of the first call and resolves once the peer's HTTP/2 server answered. */
  connect(): Promise<void>;
  /** Refuses new calls and closes the session once calls in flight have finished. */
  close(): void;
}

/** Where and how a unary transport connects. */
export interface Http2UnaryOptions {
  readonly listen: ListenAddress;
  /** AutoMTLS material; plaintext when absent. */
  readonly tls: MutualTls | undefined;
  /** Largest request or response message, in bytes. */
  readonly maxMessageBytes: number;
}
