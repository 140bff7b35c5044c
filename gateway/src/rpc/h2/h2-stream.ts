import type { RequestHead } from "./hpack-encoder.js";

/**
 * One client stream of an HTTP/2 connection: what the caller is told about the response,
 * and the send-side state (request bytes left to send, flow-control window).
 */

/** What a stream's owner hears about the response. Exactly one of end/reset/lost is called, once. */
export interface StreamListener {
  /** One field of the response headers or trailers (latin1 name and value). */
  header(name: string, value: string): void;
  /** Response DATA payload, in order. */
  data(chunk: Buffer): void;
  /** The peer ended the stream (END_STREAM); the response is complete. */
  end(): void;
  /** The peer reset the stream with an HTTP/2 error code. */
  reset(code: number): void;
  /**
   * The connection ended or went away under the stream. `sent` is false when the request
   * never reached the peer (it waited for a stream slot), so it is safe to send elsewhere.
   */
  lost(error: Error, sent: boolean): void;
}

/** Bytes of the gRPC message prefix (compressed flag + 32-bit length) sent before the message. */
const PREFIX_BYTES = 5;

/** A request on its way: HEADERS, then the gRPC-framed message as DATA, under flow control. */
export class H2Stream {
  /** Stream id; 0 while the stream waits for a slot under MAX_CONCURRENT_STREAMS. */
  id = 0;
  /** How many more bytes the peer admits on this stream. */
  sendWindow = 0;
  /** Received DATA bytes not yet returned to the peer by a WINDOW_UPDATE. */
  recvUnacked = 0;
  /** Bytes of prefix + message already sent. */
  sent = 0;
  /** False once the stream is finished or cancelled; frames for it are then ignored. */
  open = true;
  private prefix: Buffer | undefined; // the gRPC message prefix, made when a request is sent in pieces

  /**
   * @param head what the request headers say; the connection encodes them when the stream starts
   * @param message the serialised request message
   */
  constructor(
    readonly listener: StreamListener,
    readonly head: RequestHead,
    readonly message: Uint8Array,
  ) {}

  /** The prefix piece of the last `take` (undefined once the prefix has been sent). */
  takenPrefix: Buffer | undefined;

  /**
   * Consumes the next `size` request bytes from the send window, without copying: returns
   * the message piece and leaves the prefix piece (if any) in `takenPrefix`.
   */
  take(size: number): Uint8Array {
    const from = this.sent;
    if (from < PREFIX_BYTES && !this.prefix) {
      this.prefix = Buffer.allocUnsafe(PREFIX_BYTES);
      this.prefix[0] = 0;
      this.prefix.writeUInt32BE(this.message.length, 1);
    }
    const prefix = from < PREFIX_BYTES ? this.prefix!.subarray(from, Math.min(PREFIX_BYTES, from + size)) : undefined;
    const bodyFrom = Math.max(0, from - PREFIX_BYTES);
    this.takenPrefix = prefix;
    this.sent += size;
    this.sendWindow -= size;
    return this.message.subarray(bodyFrom, bodyFrom + size - (prefix?.length ?? 0));
  }

  /** Marks the whole request (prefix + message) as sent in one frame. */
  takeAll(): void {
    const size = this.unsent;
    this.sent += size;
    this.sendWindow -= size;
  }

  /** Request bytes (prefix + message) not yet sent. */
  get unsent(): number {
    return PREFIX_BYTES + this.message.length - this.sent;
  }
}

/** Above this many queued request bytes, `push` asks the sender to wait for `drained()`. */
const STREAM_HIGH_WATER_BYTES = 64 * 1024;

/**
 * A streaming request (the plugin's broker and stdio streams): gRPC-framed messages are
 * queued as the caller sends them and go out under flow control; END_STREAM follows `end()`.
 * The connection sends what is queued when the stream starts, on `resume`, and when a
 * window opens.
 */
export class H2RequestStream extends H2Stream {
  /** Framed messages (prefix + message) not yet sent, oldest first. */
  readonly pending: Buffer[] = [];
  /** Bytes in `pending`. */
  queued = 0;
  /** The caller half-closed the request side. */
  ending = false;
  /** END_STREAM went out. */
  endSent = false;
  private drainWaiters: Array<() => void> = [];

  constructor(
    listener: StreamListener,
    head: RequestHead,
    private readonly resume: (stream: H2RequestStream) => void,
  ) {
    super(listener, head, new Uint8Array(0));
  }

  /** Queues one framed message; false when the sender should wait for `drained()`. */
  push(framed: Buffer): boolean {
    if (!this.open || this.ending) return false;
    this.pending.push(framed);
    this.queued += framed.length;
    this.resume(this);
    return this.queued < STREAM_HIGH_WATER_BYTES;
  }

  /** Half-closes the request side once everything queued has gone out. */
  finishRequest(): void {
    if (this.ending || !this.open) return;
    this.ending = true;
    this.resume(this);
  }

  /** Resolves once the queue is under the high-water mark (or the stream is over). */
  drained(): Promise<void> {
    if (this.queued < STREAM_HIGH_WATER_BYTES || !this.open) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Called by the connection after sending: wakes senders waiting for room. */
  sentSome(): void {
    if (this.drainWaiters.length === 0 || (this.queued >= STREAM_HIGH_WATER_BYTES && this.open)) return;
    for (const wake of this.drainWaiters.splice(0)) wake();
  }

  override get unsent(): number {
    return this.endSent ? this.queued : this.queued + 1; // +1: END_STREAM is still owed
  }
}
