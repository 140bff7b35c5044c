/**
 * One unary gRPC call on an H2Connection: collects the response message, status and
 * message from headers (trailers-only) or trailers, enforces the deadline, cancellation and
 * the receive limit, and settles the caller's promise once with the same outcomes as
 * rpc/http2-unary.ts.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { decodeGrpcMessage, GrpcFrameDecoder, type GrpcFrameError, statusFromHttp } from "../grpc-framing.js";
import { GrpcCallError } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { callScopedListener } from "../abort-listeners.js";
import { H2Code } from "./constants.js";
import type { H2Connection } from "./h2-connection.js";
import type { H2Stream, StreamListener } from "./h2-stream.js";
import type { RequestHead } from "./hpack-encoder.js";

/** What a call needs from its transport: the same for every call of one transport (built once, not per call). */
export interface UnaryCallContext {
  /** `network:address` of the plugin, for messages. */
  readonly target: string;
  readonly maxMessageBytes: number;
  /** A connection to send a never-sent request on, or undefined when the transport is closed. */
  readonly resend: () => H2Connection | undefined;
}

/**
 * The calls in flight per caller signal, behind one "abort" listener per signal: an intercept
 * chain makes one call per step on its request's signal, and adding and removing an
 * EventTarget listener cost ~1.5 µs per call (issue 17, chains). The listener stays for the
 * signal's life; it is registered as call-scoped (idle while no call is in flight), so a
 * signal shared by successive requests (surfaces/call-signals.ts) is not replaced for it.
 * The calls are an intrusive list through the calls themselves: a Set's add and delete per
 * step reallocated its table (~150 bytes of garbage per chain step at c=64).
 */
interface SignalCalls {
  first: UnaryCall | undefined;
}

const callsBySignal = new WeakMap<AbortSignal, SignalCalls>();

function watchSignal(signal: AbortSignal, call: UnaryCall): SignalCalls {
  let calls = callsBySignal.get(signal);
  if (calls === undefined) {
    const watched: SignalCalls = { first: undefined };
    calls = watched;
    callsBySignal.set(signal, watched);
    const onAbort = () => {
      const inFlight: UnaryCall[] = [];
      for (let c = watched.first; c !== undefined; c = c.nextOnSignal) inFlight.push(c);
      for (const c of inFlight) c.abort();
    };
    signal.addEventListener(
      "abort",
      callScopedListener(onAbort, () => watched.first === undefined),
      { once: true },
    );
  }
  const first = calls.first;
  call.nextOnSignal = first;
  if (first !== undefined) first.previousOnSignal = call;
  calls.first = call;
  return calls;
}

/** Takes `call` out of its signal's list (see watchSignal). */
function unwatchSignal(calls: SignalCalls, call: UnaryCall): void {
  const { previousOnSignal: previous, nextOnSignal: next } = call;
  if (previous !== undefined) previous.nextOnSignal = next;
  else if (calls.first === call) calls.first = next;
  if (next !== undefined) next.previousOnSignal = previous;
  call.previousOnSignal = call.nextOnSignal = undefined;
}

/** A call in flight; it is the listener of its stream. */
export class UnaryCall implements StreamListener {
  private connection: H2Connection | undefined;
  private stream: H2Stream | undefined;
  private decoder: GrpcFrameDecoder | undefined;
  private response: Buffer | undefined;
  private failure: GrpcCallError | undefined; // decided locally: deadline, cancel, bad frame
  private httpStatus = 0;
  private grpcStatus: number | undefined;
  private grpcMessage = "";
  private rstCode = 0;
  private lostError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private signalCalls: SignalCalls | undefined; // the list this call is in (watchSignal)
  /** Neighbours in its signal's list of calls in flight (see watchSignal). */
  previousOnSignal: UnaryCall | undefined;
  nextOnSignal: UnaryCall | undefined;
  private settled = false;

  constructor(
    private readonly context: UnaryCallContext,
    private readonly resolve: (response: Buffer) => void,
    private readonly reject: (error: GrpcCallError) => void,
  ) {}

  /** Arms the deadline and abort signal, then starts the stream. */
  begin(
    connection: H2Connection,
    head: RequestHead,
    request: Uint8Array,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): void {
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.fail(status.DEADLINE_EXCEEDED, `the call exceeded its deadline of ${Math.ceil(timeoutMs)} ms`),
        timeoutMs,
      );
    }
    if (signal) this.signalCalls = watchSignal(signal, this);
    this.connection = connection;
    this.stream = connection.request(head, request, this);
  }

  header(name: string, value: string): void {
    if (name === ":status") this.httpStatus = Number(value);
    else if (name === "grpc-status") this.grpcStatus = Number(value);
    else if (name === "grpc-message") this.grpcMessage = value;
  }

  data(chunk: Buffer): void {
    if (this.settled) return;
    // Fast path: the first chunk is exactly one whole uncompressed message.
    if (this.decoder === undefined && this.response === undefined && chunk.length >= 5 && chunk[0] === 0) {
      const length = chunk.readUInt32BE(1);
      if (length === chunk.length - 5 && length <= this.context.maxMessageBytes) {
        this.response = chunk.subarray(5);
        return;
      }
    }
    this.decoder ??= new GrpcFrameDecoder(this.context.maxMessageBytes);
    try {
      for (const message of this.decoder.push(chunk)) {
        if (this.response !== undefined)
          return this.fail(status.INTERNAL, "the plugin answered a unary call with more than one message");
        this.response = message;
      }
    } catch (error) {
      const frameError = error as GrpcFrameError;
      this.fail(frameError.code, frameError.message);
    }
  }

  end(): void {
    this.settle();
  }

  reset(code: number): void {
    this.rstCode = code;
    this.settle();
  }

  lost(error: Error, sent: boolean): void {
    if (!sent && !this.settled && this.stream) {
      const connection = this.context.resend();
      if (connection) {
        this.connection = connection;
        this.stream = connection.request(this.stream.head, this.stream.message, this);
        return;
      }
    }
    this.lostError = error;
    this.settle();
  }

  /** The caller's signal fired. */
  abort(): void {
    this.fail(status.CANCELLED, "cancelled by the caller");
  }

  /** Ends the call locally with `code` (the stream is reset with CANCEL). */
  private fail(code: status, details: string): void {
    if (this.settled) return;
    this.failure ??= new GrpcCallError(code, details);
    if (this.stream) this.connection?.cancel(this.stream);
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.signalCalls !== undefined) {
      unwatchSignal(this.signalCalls, this);
      this.signalCalls = undefined; // a settled call its stream still references holds no list
    }
    const reject = this.reject;
    if (this.failure) return reject(this.failure);
    if (this.grpcStatus === undefined) return reject(this.statusWithout());
    if (this.grpcStatus !== status.OK)
      return reject(new GrpcCallError(this.grpcStatus, decodeGrpcMessage(this.grpcMessage)));
    const partial = this.decoder?.partial ?? false;
    if (this.response === undefined || partial) {
      return reject(
        new GrpcCallError(
          status.INTERNAL,
          partial
            ? "the response ended in the middle of a message"
            : "the plugin answered OK without a response message",
        ),
      );
    }
    this.resolve(this.response);
  }

  /** The status for a stream that closed without a gRPC status (reset, lost connection, bare HTTP error). */
  private statusWithout(): GrpcCallError {
    return statusWithoutGrpc(this.context.target, this.rstCode, this.httpStatus, this.lostError);
  }
}

/** The status for a stream that closed without a gRPC status (reset, lost connection, bare HTTP error); streaming calls share it. */
export function statusWithoutGrpc(
  target: string,
  rstCode: number,
  httpStatus: number,
  lostError: Error | undefined,
): GrpcCallError {
  if (rstCode === H2Code.REFUSED_STREAM)
    return new GrpcCallError(status.UNAVAILABLE, `the plugin at ${target} refused the stream`);
  if (lostError)
    return new GrpcCallError(status.UNAVAILABLE, `connection to the plugin at ${target} lost: ${lostError.message}`);
  if (httpStatus !== 0 && httpStatus !== 200)
    return new GrpcCallError(
      statusFromHttp(httpStatus),
      `the plugin answered HTTP status ${httpStatus} without a gRPC status`,
    );
  switch (rstCode) {
    case H2Code.CANCEL:
      return new GrpcCallError(status.CANCELLED, "the plugin cancelled the call");
    case H2Code.ENHANCE_YOUR_CALM:
      return new GrpcCallError(
        status.RESOURCE_EXHAUSTED,
        "the plugin reset the stream: bandwidth or memory limit exceeded",
      );
    case H2Code.INADEQUATE_SECURITY:
      return new GrpcCallError(status.PERMISSION_DENIED, "the plugin reset the stream: protocol not secure enough");
    default:
      return new GrpcCallError(status.INTERNAL, `the call ended without a gRPC status (RST_STREAM code ${rstCode})`);
  }
}
