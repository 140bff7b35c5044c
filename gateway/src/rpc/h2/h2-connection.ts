/**
 * A client HTTP/2 connection spoken directly on a socket: preface and SETTINGS, stream
 * multiplexing under the peer's MAX_CONCURRENT_STREAMS (extra requests wait in a queue),
 * flow control both ways, PING answers, GOAWAY, and teardown when the socket or the peer's
 * framing fails. Request header blocks are encoded here, when a stream starts, because the HPACK
 * encoder's dynamic table must follow the order blocks go on the wire.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  CLIENT_PREFACE,
  CONNECTION_WINDOW_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WINDOW_BYTES,
  Flag,
  FrameType,
  H2Code,
  HEADER_TABLE_BYTES,
  MAX_WINDOW_BYTES,
  STREAM_WINDOW_BYTES,
} from "./constants.js";
import {
  clientSettingsPayload,
  goawayPayload,
  h2CodeName,
  parsePeerSettings,
  UNLIMITED_STREAMS,
} from "./control-frames.js";
import { FrameParser } from "./frame-parser.js";
import { FrameWriter } from "./frame-writer.js";
import { H2ConnectionError } from "./h2-error.js";
import { H2RequestStream, H2Stream, type StreamListener } from "./h2-stream.js";
import { HpackDecoder } from "./hpack-decoder.js";
import { type RequestHead, RequestHeaderEncoder } from "./hpack-encoder.js";

// Until the peer's SETTINGS arrive (its first frame, one round trip), send one stream only:
// a server with a low MAX_CONCURRENT_STREAMS would refuse the rest (REFUSED_STREAM).
const INITIAL_PEER_STREAMS = 1;
const LAST_STREAM_ID = 2 ** 31 - 1;
const EMPTY = Buffer.alloc(0);

/** One client connection. Create it on a connecting socket; it writes the preface at once. */
export class H2Connection {
  private readonly writer: FrameWriter;
  private readonly parser = new FrameParser(DEFAULT_MAX_FRAME_BYTES, (type, flags, id, payload, flowBytes) =>
    this.onFrame(type, flags, id, payload, flowBytes),
  );
  private readonly hpack = new HpackDecoder(HEADER_TABLE_BYTES);
  private readonly encoder: RequestHeaderEncoder;
  private readonly streams = new Map<number, H2Stream>();
  private readonly waiting: H2Stream[] = [];
  private readonly blocked = new Set<H2Stream>();
  private nextId = 1;
  private peerMaxStreams = INITIAL_PEER_STREAMS;
  private peerSettingsSeen = false;
  private peerWindow = DEFAULT_WINDOW_BYTES;
  private peerMaxFrame = DEFAULT_MAX_FRAME_BYTES;
  private sendWindow = DEFAULT_WINDOW_BYTES;
  private recvUnacked = 0;
  private headerTarget: StreamListener | undefined;
  private readonly onHeaderField = (name: string, value: string) => this.headerTarget?.header(name, value);
  private draining = false; // no new streams: GOAWAY, ids exhausted, or close()
  private dead = false;
  private socketError: Error | undefined;
  private readyOutcome: { resolve(): void; reject(error: Error): void } | undefined;
  /** Resolves at the peer's first SETTINGS (an HTTP/2 server answered, TLS done both ways); rejects if the connection dies first. */
  readonly ready: Promise<void>;

  /**
   * @param onRetire called once when the connection stops taking new streams (so its owner
   *   opens a new one for the next call)
   * @param scheme `:scheme` of every request
   */
  constructor(
    private readonly socket: Socket,
    private readonly onRetire: () => void,
    scheme: "http" | "https",
  ) {
    this.encoder = new RequestHeaderEncoder(scheme, "localhost");
    this.ready = new Promise<void>((resolve, reject) => (this.readyOutcome = { resolve, reject }));
    this.ready.catch(() => undefined); // nobody need be waiting
    this.writer = new FrameWriter(socket);
    this.writer.raw(CLIENT_PREFACE);
    this.writer.frame(FrameType.SETTINGS, 0, 0, clientSettingsPayload(STREAM_WINDOW_BYTES));
    this.writer.frame32(FrameType.WINDOW_UPDATE, 0, CONNECTION_WINDOW_BYTES - DEFAULT_WINDOW_BYTES);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error: Error) => (this.socketError ??= error));
    socket.on("close", () => this.teardown(this.socketError ?? new Error("the plugin closed the connection")));
    socket.once("secureConnect", () => {
      const protocol = (socket as TLSSocket).alpnProtocol;
      if (protocol !== "h2")
        socket.destroy(
          new Error(
            `the plugin did not agree to HTTP/2 over TLS (ALPN ${protocol === false ? "none" : String(protocol)})`,
          ),
        );
    });
  }

  /** True while new streams may start here. */
  get usable(): boolean {
    return !this.draining && !this.dead;
  }

  /** Streams the peer admits at once (1 until its SETTINGS arrived). */
  get streamLimit(): number {
    return this.peerMaxStreams;
  }

  /** Streams open or waiting for a slot. */
  get active(): number {
    return this.streams.size + this.waiting.length;
  }

  /** Starts (or queues) a request; its outcome reaches `listener`. `head` must be valid (see metadataFields). */
  request(head: RequestHead, message: Uint8Array, listener: StreamListener): H2Stream {
    return this.enqueue(new H2Stream(listener, head, message));
  }

  /** Starts (or queues) a streaming request: its messages go out as the caller pushes them (H2RequestStream). */
  requestStream(head: RequestHead, listener: StreamListener): H2RequestStream {
    return this.enqueue(new H2RequestStream(listener, head, this.resume));
  }

  private enqueue<T extends H2Stream>(stream: T): T {
    if (this.active === 0) this.socket.ref();
    if (this.streams.size < this.peerMaxStreams) this.start(stream);
    else this.waiting.push(stream);
    return stream;
  }

  /** A streaming request got more to send: send it now unless it waits for a slot or a window. */
  private readonly resume = (stream: H2RequestStream): void => {
    if (stream.id !== 0 && stream.open && !this.blocked.has(stream) && !this.dead) this.pumpStream(stream);
  };

  /** Abandons a stream: RST_STREAM CANCEL if it started, otherwise it leaves the queue. No listener call. */
  cancel(stream: H2Stream): void {
    if (!stream.open) return;
    if (stream.id === 0) {
      this.waiting.splice(this.waiting.indexOf(stream), 1);
      stream.open = false;
      this.idleCheck();
      return;
    }
    this.writer.frame32(FrameType.RST_STREAM, stream.id, H2Code.CANCEL);
    this.finish(stream);
  }

  /** Takes no new streams; the socket closes once the streams in flight have finished. */
  close(): void {
    this.retire();
    this.idleCheck();
  }

  private start(stream: H2Stream): void {
    if (this.nextId > LAST_STREAM_ID) {
      stream.open = false;
      stream.listener.lost(new Error("stream ids exhausted on this connection"), false);
      return;
    }
    stream.id = this.nextId;
    this.nextId += 2;
    if (this.nextId > LAST_STREAM_ID) this.retire();
    stream.sendWindow = this.peerWindow;
    this.streams.set(stream.id, stream);
    this.writer.headers(stream.id, this.encoder.encode(stream.head), this.peerMaxFrame);
    this.pump(stream);
  }

  /** Sends as much of the request as both flow-control windows admit; the rest waits for WINDOW_UPDATE. */
  private pump(stream: H2Stream): void {
    if (stream instanceof H2RequestStream) return this.pumpStream(stream);
    let left = stream.unsent;
    if (stream.sent === 0 && left <= stream.sendWindow && left <= this.sendWindow && left <= this.peerMaxFrame) {
      // The usual case: the whole request in one DATA frame, its prefix written straight into the batch.
      this.writer.grpcMessage(stream.id, stream.message);
      stream.takeAll();
      this.sendWindow -= left;
      this.blocked.delete(stream);
      return;
    }
    while (left > 0) {
      const size = Math.min(left, stream.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (size <= 0) {
        this.blocked.add(stream);
        return;
      }
      left -= size;
      const body = stream.take(size);
      this.writer.data(stream.id, left === 0, stream.takenPrefix, body);
      this.sendWindow -= size;
    }
    this.blocked.delete(stream);
  }

  /** Sends a streaming request's queued messages, then END_STREAM once it is ending, as far as the windows admit. */
  private pumpStream(stream: H2RequestStream): void {
    const { pending } = stream;
    while (pending.length > 0) {
      const chunk = pending[0]!;
      const size = Math.min(chunk.length, stream.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (size <= 0) {
        this.blocked.add(stream);
        stream.sentSome(); // what went out before the window closed may have made room
        return;
      }
      if (size === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(size);
      stream.queued -= size;
      stream.sendWindow -= size;
      this.sendWindow -= size;
      const last = pending.length === 0 && stream.ending;
      this.writer.data(stream.id, last, undefined, chunk.subarray(0, size));
      if (last) stream.endSent = true;
    }
    this.blocked.delete(stream);
    if (stream.ending && !stream.endSent) {
      stream.endSent = true;
      this.writer.data(stream.id, true, undefined, EMPTY);
    }
    stream.sentSome();
  }

  private receive(chunk: Buffer): void {
    if (this.dead) return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      if (!(error instanceof H2ConnectionError)) throw error;
      this.writer.frame(FrameType.GOAWAY, 0, 0, goawayPayload(0, error.code));
      this.writer.flush();
      this.teardown(new Error(`the plugin broke the HTTP/2 protocol (${h2CodeName(error.code)}): ${error.message}`));
      this.socket.end();
    }
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer, flowBytes: number): void {
    switch (type) {
      case FrameType.DATA:
        return this.onData(flags, id, payload, flowBytes);
      case FrameType.HEADERS: {
        const stream = this.streams.get(id);
        this.headerTarget = stream?.listener;
        try {
          this.hpack.decode(payload, this.onHeaderField); // always decoded: the table is shared
        } finally {
          this.headerTarget = undefined;
        }
        if (stream && flags & Flag.END_STREAM) this.endByPeer(stream);
        return;
      }
      case FrameType.RST_STREAM: {
        const stream = this.streams.get(id);
        if (!stream) return;
        this.finish(stream);
        return stream.listener.reset(payload.readUInt32BE(0));
      }
      case FrameType.SETTINGS:
        if ((flags & Flag.ACK) === 0) this.onSettings(payload);
        return;
      case FrameType.PUSH_PROMISE:
        throw new H2ConnectionError(H2Code.PROTOCOL_ERROR, "PUSH_PROMISE although we disabled server push");
      case FrameType.PING:
        if ((flags & Flag.ACK) === 0) this.writer.pingAck(payload);
        return;
      case FrameType.GOAWAY:
        return this.onGoaway(payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4), payload.subarray(8));
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(id, payload.readUInt32BE(0) & 0x7fffffff);
      default:
        return; // PRIORITY and unknown frames carry nothing a client needs
    }
  }

  private onData(flags: number, id: number, payload: Buffer, flowBytes: number): void {
    this.recvUnacked += flowBytes;
    if (this.recvUnacked >= CONNECTION_WINDOW_BYTES / 2) {
      this.writer.frame32(FrameType.WINDOW_UPDATE, 0, this.recvUnacked);
      this.recvUnacked = 0;
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    if (payload.length > 0) stream.listener.data(payload);
    if (flags & Flag.END_STREAM) return this.endByPeer(stream);
    stream.recvUnacked += flowBytes;
    if (stream.recvUnacked >= STREAM_WINDOW_BYTES / 2 && stream.open) {
      this.writer.frame32(FrameType.WINDOW_UPDATE, id, stream.recvUnacked);
      stream.recvUnacked = 0;
    }
  }

  private endByPeer(stream: H2Stream): void {
    if (!stream.open) return;
    // A response that ends before the request was fully sent: stop sending (RFC 9113 §8.1).
    if (stream.unsent > 0) this.writer.frame32(FrameType.RST_STREAM, stream.id, H2Code.NO_ERROR);
    this.finish(stream);
    stream.listener.end();
  }

  private onSettings(payload: Buffer): void {
    const settings = parsePeerSettings(payload);
    if (settings.initialWindowSize !== undefined) {
      const delta = settings.initialWindowSize - this.peerWindow;
      this.peerWindow = settings.initialWindowSize;
      for (const stream of this.streams.values()) stream.sendWindow += delta;
    }
    if (settings.maxFrameSize !== undefined) this.peerMaxFrame = settings.maxFrameSize;
    if (settings.headerTableSize !== undefined) this.encoder.peerTableSize(settings.headerTableSize);
    // A setting left out keeps its value (RFC 9113 §6.5); the first SETTINGS replaces our
    // cautious INITIAL_PEER_STREAMS with the peer's limit or the protocol's unlimited default.
    if (settings.maxConcurrentStreams !== undefined) this.peerMaxStreams = settings.maxConcurrentStreams;
    else if (!this.peerSettingsSeen) this.peerMaxStreams = UNLIMITED_STREAMS;
    this.peerSettingsSeen = true;
    this.writer.frame(FrameType.SETTINGS, Flag.ACK, 0, undefined);
    for (const stream of [...this.blocked]) this.pump(stream);
    this.startWaiting();
    if (this.readyOutcome) {
      this.readyOutcome.resolve();
      this.readyOutcome = undefined;
      this.idleCheck(); // opened by connect() with no call yet: keep no process alive
    }
  }

  private onWindowUpdate(id: number, increment: number): void {
    if (id === 0) {
      if (increment === 0) throw new H2ConnectionError(H2Code.PROTOCOL_ERROR, "connection WINDOW_UPDATE of 0");
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_BYTES)
        throw new H2ConnectionError(H2Code.FLOW_CONTROL_ERROR, "connection send window above 2^31-1");
      for (const stream of [...this.blocked]) this.pump(stream);
      return;
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.sendWindow += increment;
    if (this.blocked.has(stream)) this.pump(stream);
  }

  private onGoaway(lastId: number, code: number, debug: Buffer): void {
    this.retire();
    const why = `the plugin sent GOAWAY (${h2CodeName(code)}${debug.length > 0 ? `: ${debug.toString("utf8")}` : ""})`;
    for (const stream of [...this.streams.values()]) {
      if (stream.id <= lastId) continue;
      this.finish(stream);
      stream.listener.lost(new Error(`${why}; the call was not processed`), true);
    }
    this.requeueWaiting(why);
    this.idleCheck();
  }

  /** Starts queued requests while the peer admits more streams. */
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.streams.size < this.peerMaxStreams) {
      if (!this.usable) return this.requeueWaiting("the connection takes no new streams");
      this.start(this.waiting.shift()!);
    }
  }

  /** Hands queued (never sent) requests back to their owners to send on another connection. */
  private requeueWaiting(why: string): void {
    for (const stream of this.waiting.splice(0)) {
      stream.open = false;
      stream.listener.lost(new Error(why), false);
    }
  }

  /** Removes a finished stream and lets a waiting one take its slot. */
  private finish(stream: H2Stream): void {
    stream.open = false;
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    this.startWaiting();
    this.idleCheck();
  }

  private retire(): void {
    if (this.draining) return;
    this.draining = true;
    this.onRetire();
  }

  /** Unrefs an idle socket (an idle client never keeps the process alive) and closes a retired one. */
  private idleCheck(): void {
    if (this.active > 0 || this.dead) return;
    this.socket.unref();
    if (!this.draining) return;
    this.dead = true;
    this.writer.frame(FrameType.GOAWAY, 0, 0, goawayPayload(0, H2Code.NO_ERROR));
    this.writer.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** The connection is gone: every open or waiting stream learns why. */
  private teardown(error: Error): void {
    this.dead = true;
    this.readyOutcome?.reject(error);
    this.readyOutcome = undefined;
    this.retire();
    const streams = [...this.streams.values(), ...this.waiting.splice(0)];
    this.streams.clear();
    this.blocked.clear();
    for (const stream of streams) {
      stream.open = false;
      stream.listener.lost(error, true);
    }
  }
}
