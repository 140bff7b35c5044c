/**
 * One streaming gRPC call on an H2Connection (server streaming or bidirectional): the
 * caller's messages go out as they are sent, the plugin's are decoded into StreamResponses,
 * and the status from headers (trailers-only) or trailers ends them — with the same
 * outcomes as a unary call (unary-call.ts) for resets, lost connections and bad frames.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { GrpcCallError, type RawStream } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { decodeGrpcMessage, encodeGrpcFrame, GrpcFrameDecoder, type GrpcFrameError } from "../grpc-framing.js";
import { StreamResponses } from "../stream-responses.js";
import type { H2Connection } from "./h2-connection.js";
import type { H2RequestStream, StreamListener } from "./h2-stream.js";
import type { RequestHead } from "./hpack-encoder.js";
import { statusWithoutGrpc } from "./unary-call.js";

/** A streaming call in flight; it is the listener of its stream. */
export class StreamCall implements StreamListener {
  readonly responses: StreamResponses;
  private readonly decoder: GrpcFrameDecoder;
  private readonly stream: H2RequestStream | undefined; // undefined only while the constructor runs
  private httpStatus = 0;
  private grpcStatus: number | undefined;
  private grpcMessage = "";
  private rstCode = 0;
  private lostError: Error | undefined;
  private failure: GrpcCallError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.fail(new GrpcCallError(status.CANCELLED, "cancelled by the caller"));

  /**
   * @param target `network:address` of the plugin, for messages
   * @param maxMessageBytes largest message either way; also the most unread response bytes kept
   */
  constructor(
    private readonly connection: H2Connection,
    head: RequestHead,
    private readonly target: string,
    private readonly maxMessageBytes: number,
    timeoutMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.decoder = new GrpcFrameDecoder(maxMessageBytes);
    this.responses = new StreamResponses(maxMessageBytes, () => this.cancel());
    if (timeoutMs !== undefined)
      this.timer = setTimeout(
        () =>
          this.fail(
            new GrpcCallError(status.DEADLINE_EXCEEDED, `the call exceeded its deadline of ${Math.ceil(timeoutMs)} ms`),
          ),
        timeoutMs,
      );
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.stream = connection.requestStream(head, this);
  }

  /** The caller's side of the call. */
  raw(): RawStream {
    return {
      send: (message) => this.send(message),
      drained: () => this.stream?.drained() ?? Promise.resolve(),
      end: () => this.stream?.finishRequest(),
      cancel: () => this.cancel(),
      responses: this.responses,
    };
  }

  private send(message: Uint8Array): boolean {
    if (this.responses.ended || !this.stream) return false;
    if (message.length > this.maxMessageBytes) {
      this.fail(
        new GrpcCallError(
          status.RESOURCE_EXHAUSTED,
          `request message of ${message.length} bytes is larger than the limit of ${this.maxMessageBytes} bytes`,
        ),
      );
      return false;
    }
    return this.stream.push(encodeGrpcFrame(message));
  }

  private cancel(): void {
    this.fail(new GrpcCallError(status.CANCELLED, "cancelled by the caller"));
  }

  header(name: string, value: string): void {
    if (name === ":status") this.httpStatus = Number(value);
    else if (name === "grpc-status") this.grpcStatus = Number(value);
    else if (name === "grpc-message") this.grpcMessage = value;
  }

  data(chunk: Buffer): void {
    if (this.responses.ended) return;
    try {
      for (const message of this.decoder.push(chunk)) {
        const overflow = this.responses.push(message);
        if (overflow) return this.fail(overflow);
      }
    } catch (error) {
      const frameError = error as GrpcFrameError;
      this.fail(new GrpcCallError(frameError.code, frameError.message));
    }
  }

  end(): void {
    this.settle();
  }

  reset(code: number): void {
    this.rstCode = code;
    this.settle();
  }

  lost(error: Error): void {
    this.lostError = error;
    this.settle();
  }

  /** Ends the call locally (the stream is reset with CANCEL). */
  private fail(error: GrpcCallError): void {
    if (this.responses.ended) return;
    this.failure ??= error;
    if (this.stream) this.connection.cancel(this.stream);
    this.settle();
  }

  private settle(): void {
    if (this.responses.ended) return;
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    this.responses.end(this.outcome());
    this.stream?.sentSome(); // senders waiting for room learn the call is over
  }

  private outcome(): GrpcCallError | undefined {
    if (this.failure) return this.failure;
    if (this.grpcStatus === undefined)
      return statusWithoutGrpc(this.target, this.rstCode, this.httpStatus, this.lostError);
    if (this.grpcStatus !== status.OK) return new GrpcCallError(this.grpcStatus, decodeGrpcMessage(this.grpcMessage));
    if (this.decoder.partial)
      return new GrpcCallError(status.INTERNAL, "the response ended in the middle of a message");
    return undefined;
  }
}
