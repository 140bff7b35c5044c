/**
 * What every unary plugin-call transport shares: the transport contract, its options and the
 * error a failed call rejects with. Implementations: `rpc/h2/unary-transport.ts` (the raw
 * HTTP/2 client the host uses) and `rpc/http2-unary.ts` (node:http2, the tested fallback).
 */
import { status } from "@grpc/grpc-js";
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

/** Sends unary gRPC calls as already-serialised protobuf bytes. */
export interface UnaryTransport {
  /**
   * Calls `path` (`/pkg.Service/Method`) with one serialised request and resolves with the
   * serialised response. Rejects with a GrpcCallError carrying the gRPC status.
   */
  unary(path: string, request: Uint8Array, options?: RpcCallOptions): Promise<Buffer>;
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
