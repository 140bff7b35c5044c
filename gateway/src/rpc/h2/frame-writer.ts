/**
 * Outgoing frames, batched: every frame produced during one tick of the event loop is
 * encoded into a shared slab and handed to the socket in a single write on the next tick.
 * Small calls therefore cost a few byte copies, and 64 concurrent calls cost one syscall.
 * Large payload slices are passed by reference instead of copied.
 */
import type { Socket } from "node:net";
import { FRAME_HEADER_BYTES, Flag, FrameType } from "./constants.js";

const SLAB_BYTES = 64 * 1024;
const GRPC_PREFIX_BYTES = 5;
// Payload slices at least this big are queued by reference rather than copied into the slab.
const COPY_LIMIT_BYTES = 4 * 1024;

/** Encodes frames for one connection and flushes them to `socket` once per tick. */
export class FrameWriter {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private start = 0; // first byte of the slab not yet queued
  private pos = 0;
  private chunks: Buffer[] = [];
  private scheduled = false;
  private readonly flushNow = () => this.flush();

  constructor(private readonly socket: Socket) {}

  /** Queues raw bytes (the connection preface). */
  raw(bytes: Buffer): void {
    this.room(bytes.length);
    bytes.copy(this.slab, this.pos);
    this.pos += bytes.length;
  }

  /** Queues a frame whose payload is `payload` (copied when small, referenced when large). */
  frame(type: number, flags: number, streamId: number, payload: Uint8Array | undefined): void {
    const length = payload?.length ?? 0;
    if (length >= COPY_LIMIT_BYTES && payload) {
      this.header(length, type, flags, streamId);
      this.cut();
      this.chunks.push(Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length));
      return;
    }
    this.room(FRAME_HEADER_BYTES + length);
    this.header(length, type, flags, streamId);
    if (payload) {
      this.slab.set(payload, this.pos);
      this.pos += length;
    }
  }

  /** Queues a header block as HEADERS, plus CONTINUATION frames when it exceeds `maxFrameBytes`. */
  headers(streamId: number, block: Buffer, maxFrameBytes: number): void {
    if (block.length <= maxFrameBytes) return this.frame(FrameType.HEADERS, Flag.END_HEADERS, streamId, block);
    let type: number = FrameType.HEADERS;
    for (let at = 0; at < block.length; at += maxFrameBytes) {
      const end = Math.min(block.length, at + maxFrameBytes);
      this.frame(type, end === block.length ? Flag.END_HEADERS : 0, streamId, Buffer.from(block.subarray(at, end)));
      type = FrameType.CONTINUATION;
    }
  }

  /**
   * Queues a DATA frame whose payload is `prefix` (a gRPC message header, may be empty)
   * followed by `body`, without concatenating them first.
   */
  data(streamId: number, endStream: boolean, prefix: Uint8Array | undefined, body: Uint8Array): void {
    const prefixLength = prefix?.length ?? 0;
    const flags = endStream ? Flag.END_STREAM : 0;
    if (body.length >= COPY_LIMIT_BYTES) {
      this.room(FRAME_HEADER_BYTES + prefixLength);
      this.header(prefixLength + body.length, FrameType.DATA, flags, streamId);
      if (prefix) this.put(prefix);
      this.cut();
      this.chunks.push(Buffer.from(body.buffer, body.byteOffset, body.length));
      return;
    }
    this.room(FRAME_HEADER_BYTES + prefixLength + body.length);
    this.header(prefixLength + body.length, FrameType.DATA, flags, streamId);
    if (prefix) this.put(prefix);
    this.put(body);
  }

  /** Queues one DATA frame with END_STREAM carrying a whole gRPC message: its 5-byte prefix, then `message`. */
  grpcMessage(streamId: number, message: Uint8Array): void {
    const length = message.length;
    const copied = length < COPY_LIMIT_BYTES;
    this.room(FRAME_HEADER_BYTES + GRPC_PREFIX_BYTES + (copied ? length : 0));
    this.header(GRPC_PREFIX_BYTES + length, FrameType.DATA, Flag.END_STREAM, streamId);
    const slab = this.slab;
    slab[this.pos] = 0; // not compressed
    slab.writeUInt32BE(length, this.pos + 1);
    this.pos += GRPC_PREFIX_BYTES;
    if (copied) return this.put(message);
    this.cut();
    this.chunks.push(Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, length));
  }

  /** Queues a frame with a 4-byte payload (RST_STREAM, WINDOW_UPDATE). */
  frame32(type: number, streamId: number, value: number): void {
    this.room(FRAME_HEADER_BYTES + 4);
    this.header(4, type, 0, streamId);
    this.slab.writeUInt32BE(value, this.pos);
    this.pos += 4;
  }

  /** Writes everything queued now instead of on the next tick. */
  flush(): void {
    this.scheduled = false;
    this.cut();
    const chunks = this.chunks;
    if (chunks.length === 0 || this.socket.destroyed) {
      this.chunks = [];
      return;
    }
    this.chunks = [];
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!);
      return;
    }
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  private put(bytes: Uint8Array): void {
    this.slab.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private header(length: number, type: number, flags: number, streamId: number): void {
    this.room(FRAME_HEADER_BYTES);
    const slab = this.slab;
    const at = this.pos;
    slab[at] = length >>> 16;
    slab[at + 1] = (length >>> 8) & 0xff;
    slab[at + 2] = length & 0xff;
    slab[at + 3] = type;
    slab[at + 4] = flags;
    slab.writeUInt32BE(streamId, at + 5);
    this.pos = at + FRAME_HEADER_BYTES;
    this.schedule();
  }

  /** Makes sure `bytes` fit in the slab; a full slab is queued and replaced. */
  private room(bytes: number): void {
    if (this.slab.length - this.pos >= bytes) return;
    this.cut();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
    this.start = this.pos = 0;
  }

  /** Queues the slab bytes written since the last cut (they are never overwritten afterwards). */
  private cut(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(this.flushNow);
  }
}
