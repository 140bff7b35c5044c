/**
 * Outgoing frames, batched: every frame produced during one I/O phase of the event loop is
 * encoded into a shared slab and handed to the socket in a single write at the end of that
 * phase (setImmediate). Small calls therefore cost a few byte copies, and the calls of 64
 * concurrent callers cost one syscall and one wake-up of the plugin — also when each comes
 * from a callback of its own, as the public API's requests do (one per HTTP connection: a
 * flush on the next tick wrote once per request). Large payload slices are passed by
 * reference instead of copied. Frames answering incoming ones (PING ACK, WINDOW_UPDATE,
 * SETTINGS ACK) wait the same way: the answer that arrived with them usually makes the
 * caller send its next request in the same phase, and both then leave in one write.
 *
 * PING ACKs are held back further, until the next write or at most ACK_HOLD_MS, and go after
 * the frames of that write. grpc-go servers send a BDP-estimation PING on the first DATA they
 * read after their previous PING was acknowledged, that is once per call on a connection
 * carrying small calls; an ACK that reaches the server after the next request lets that
 * request pass without a PING, which halves the server's extra writes and our wake-ups.
 * The hold outlasts the gap between two calls to one plugin in a chain (the rest of the chain
 * and the caller's next request: milliseconds): with a 1 ms hold, every step of a chain paid
 * an ACK-only write, a plugin wake-up and a BDP PING per call (issue 17, chains).
 */
import type { Socket } from "node:net";
import { FRAME_HEADER_BYTES, Flag, FrameType } from "./constants.js";

// Slabs start small and double up to SLAB_BYTES as a connection gets busy: a gateway holds a
// connection per plugin, most of them idle most of the time (issue 17, memory). A grown slab
// is let go once the socket has taken its bytes (see recycle).
const FIRST_SLAB_BYTES = 1024;
const NO_SLAB = Buffer.alloc(0);
const SLAB_BYTES = 64 * 1024;
const GRPC_PREFIX_BYTES = 5;
// Payload slices at least this big are queued by reference rather than copied into the slab.
const COPY_LIMIT_BYTES = 4 * 1024;
// Longest a PING ACK waits for a request to travel with. RFC 9113 §6.7 asks for ACKs "as soon
// as possible" (a SHOULD); 100 ms stays far below any keepalive timeout a plugin would set
// (grpc-go, grpc-js and gRPC Core wait 20 s by default) and covers a plugin called at least
// ten times a second.
const ACK_HOLD_MS = 100;
// Most ACKs held at once: a peer PINGing in a flood gets them at once, and the queue stays small.
const MAX_HELD_ACKS = 16;
const PING_FRAME_BYTES = FRAME_HEADER_BYTES + 8;

/** Encodes frames for one connection and flushes them to `socket` once per I/O phase. */
export class FrameWriter {
  private slab = NO_SLAB;
  private slabSize = FIRST_SLAB_BYTES; // of the next slab
  private start = 0; // first byte of the slab not yet queued
  private pos = 0;
  private chunks: Buffer[] = [];
  private deferred = false; // a flush at the end of the I/O phase (setImmediate)
  private readonly flushNow = () => this.flush();
  private heldAcks: Buffer[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private ackDue = false; // ackTimer is armed for the ACKs held now
  private readonly flushDeferred = () => {
    if (this.deferred) this.flush();
  };

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
      this.chunks.push(
        Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length),
      );
      return this.schedule();
    }
    this.room(FRAME_HEADER_BYTES + length);
    this.header(length, type, flags, streamId);
    if (payload) {
      this.slab.set(payload, this.pos);
      this.pos += length;
    }
    this.schedule();
  }

  /** Queues the ACK of a PING whose 8-byte payload is `payload`; it goes out with the next write, within ACK_HOLD_MS, or at once when MAX_HELD_ACKS are held (see above). */
  pingAck(payload: Buffer): void {
    this.heldAcks.push(Buffer.from(payload));
    if (this.heldAcks.length >= MAX_HELD_ACKS) return this.schedule();
    if (this.deferred || this.ackDue) return;
    // Armed by the oldest held ACK and never pushed back: a peer that keeps PINGing while we
    // send nothing still gets its ACKs within ACK_HOLD_MS.
    this.ackDue = true;
    if (this.ackTimer) this.ackTimer.refresh();
    else this.ackTimer = setTimeout(this.flushNow, ACK_HOLD_MS).unref();
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
      return this.schedule();
    }
    this.room(FRAME_HEADER_BYTES + prefixLength + body.length);
    this.header(prefixLength + body.length, FrameType.DATA, flags, streamId);
    if (prefix) this.put(prefix);
    this.put(body);
    this.schedule();
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
    this.schedule();
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
    this.schedule();
  }

  /** Writes everything queued now instead of at the end of the I/O phase. */
  flush(): void {
    this.deferred = false;
    this.ackDue = false;
    if (this.heldAcks.length > 0) {
      for (const payload of this.heldAcks) {
        this.room(PING_FRAME_BYTES);
        this.header(8, FrameType.PING, Flag.ACK, 0);
        this.put(payload);
      }
      this.heldAcks = [];
    }
    this.cut();
    const chunks = this.chunks;
    this.chunks = [];
    if (this.socket.destroyed) return;
    if (chunks.length === 1) this.socket.write(chunks[0]!);
    else if (chunks.length > 1) {
      this.socket.cork();
      for (const chunk of chunks) this.socket.write(chunk);
      this.socket.uncork();
    }
    this.recycle();
  }

  /** Bytes of slab this writer holds now (for tests). */
  get slabBytes(): number {
    return this.slab.length;
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
  }

  /** Makes sure `bytes` fit in the slab; a full slab is queued and replaced by one twice its size. */
  private room(bytes: number): void {
    if (this.slab.length - this.pos >= bytes) return;
    this.cut();
    if (this.slab !== NO_SLAB) this.slabSize = Math.min(SLAB_BYTES, this.slab.length * 2);
    this.slab = Buffer.allocUnsafe(Math.max(this.slabSize, bytes));
    this.start = this.pos = 0;
  }

  /**
   * Once the socket has taken a flush whole (nothing left in its queue: the kernel has the
   * bytes), nothing refers to the slab any more: it is reused from its start while the flushes
   * fill more than a quarter of it (a busy connection allocates nothing), and a grown slab is
   * let go after a flush that needed less, so a connection that was busy once does not keep
   * up to 64 KiB for the rest of its life (issue 17, memory: 3 MiB for 50 plugins). The next
   * flush then gets a slab half that size at once. While the socket still queues bytes (it is
   * connecting, or the peer reads slowly), they may be the slab's: it is kept, and the next
   * frames go after them.
   */
  private recycle(): void {
    if (this.socket.writableLength !== 0) return;
    if (this.slab.length > FIRST_SLAB_BYTES && this.pos <= this.slab.length / 4) {
      this.slabSize = Math.max(FIRST_SLAB_BYTES, this.slab.length >>> 1);
      this.slab = NO_SLAB;
    }
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
    if (this.deferred) return;
    this.deferred = true;
    setImmediate(this.flushDeferred);
  }
}
