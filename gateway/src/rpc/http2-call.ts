/**
 * One call on the node:http2 fallback transport (rpc/http2-unary.ts) from its start to its stream's close: what
 * unary calls and streams share there — the gRPC status from headers or trailers (or derived from how the stream
 * ended), the deadline timer and the caller's abort, a local failure, and the session's count of calls in flight.
 */
import http2 from "node:http2";
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { GrpcCallError } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { decodeGrpcMessage, statusFromHttp } from "./grpc-framing.js";

/** One HTTP/2 session and what happened to it. */
export interface Connection {
  readonly session: http2.ClientHttp2Session;
  active: number;
  error: Error | undefined;
  /** The plugin's first SETTINGS arrived: its stream limit is known (before that Node reports defaults). */
  settingsSeen: boolean;
}

/** A call's stream on its session (counted in `active`) and the time it has left. */
export interface StartedCall {
  readonly stream: http2.ClientHttp2Stream;
  readonly connection: Connection;
  readonly timeoutMs: number | undefined;
}

/** The status for a stream that closed without a gRPC status (reset, dropped connection, bare HTTP error). */
function statusWithout(
  stream: http2.ClientHttp2Stream,
  connection: Connection,
  httpStatus: number,
  target: string,
  streamError: Error | undefined,
): GrpcCallError {
  const lost = connection.error ?? streamError;
  if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM)
    return new GrpcCallError(status.UNAVAILABLE, `the plugin at ${target} refused the stream`);
  if (connection.session.destroyed || connection.error) {
    return new GrpcCallError(
      status.UNAVAILABLE,
      `connection to the plugin at ${target} lost${lost ? `: ${lost.message}` : ""}`,
    );
  }
  if (httpStatus !== 0 && httpStatus !== 200)
    return new GrpcCallError(
      statusFromHttp(httpStatus),
      `the plugin answered HTTP status ${httpStatus} without a gRPC status`,
    );
  switch (stream.rstCode) {
    case http2.constants.NGHTTP2_CANCEL:
      return new GrpcCallError(status.CANCELLED, "the plugin cancelled the call");
    case http2.constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new GrpcCallError(
        status.RESOURCE_EXHAUSTED,
        "the plugin reset the stream: bandwidth or memory limit exceeded",
      );
    case http2.constants.NGHTTP2_INADEQUATE_SECURITY:
      return new GrpcCallError(status.PERMISSION_DENIED, "the plugin reset the stream: protocol not secure enough");
    default:
      return new GrpcCallError(
        status.INTERNAL,
        `the call ended without a gRPC status (RST_STREAM code ${stream.rstCode})${streamError ? `: ${streamError.message}` : ""}`,
      );
  }
}

/**
 * Watches a started call's stream. `ended` runs once, when the stream closed: with the call's error (the local
 * failure first, then the plugin's non-OK status, then what the stream's end says), or undefined when the plugin
 * answered OK — the caller then checks what it received.
 */
export class Http2Call {
  private readonly stream: http2.ClientHttp2Stream;
  private failure: GrpcCallError | undefined; // decided locally: deadline, cancel, bad frame
  private grpcStatus: number | undefined;
  private grpcMessage = "";
  private httpStatus = 0;
  private streamError: Error | undefined;

  constructor(
    started: StartedCall,
    signal: AbortSignal | undefined,
    target: string,
    ended: (error: GrpcCallError | undefined) => void,
  ) {
    const { stream, connection, timeoutMs } = started;
    this.stream = stream;
    const onAbort = () => this.fail(new GrpcCallError(status.CANCELLED, "cancelled by the caller"));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              this.fail(
                new GrpcCallError(
                  status.DEADLINE_EXCEEDED,
                  `the call exceeded its deadline of ${Math.ceil(timeoutMs)} ms`,
                ),
              ),
            timeoutMs,
          );
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("response", (headers) => {
      this.httpStatus = Number(headers[":status"] ?? 0);
      this.readStatus(headers); // a trailers-only response carries the status here
    });
    stream.on("trailers", (headers) => this.readStatus(headers));
    stream.on("error", (error: Error) => {
      this.streamError = error;
    });
    stream.on("close", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (--connection.active === 0 && !connection.session.destroyed) connection.session.unref();
      if (this.failure) return ended(this.failure);
      if (this.grpcStatus === undefined)
        return ended(statusWithout(stream, connection, this.httpStatus, target, this.streamError));
      ended(this.grpcStatus === status.OK ? undefined : new GrpcCallError(this.grpcStatus, this.grpcMessage));
    });
  }

  /** The call failed locally: the stream is cancelled and ends the call with `error` (the first one wins). */
  fail(error: GrpcCallError): void {
    this.failure ??= error;
    this.stream.close(http2.constants.NGHTTP2_CANCEL); // 'close' ends the call
  }

  /** True once the call failed locally: what still arrives is ignored. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  private readStatus(headers: http2.IncomingHttpHeaders): void {
    const value = headers["grpc-status"];
    if (value === undefined) return;
    this.grpcStatus = Number(value);
    const message = headers["grpc-message"];
    this.grpcMessage = typeof message === "string" ? decodeGrpcMessage(message) : "";
  }
}
