/**
 * Incremental HTTP/2 frame parsing: bytes arrive in TCP/TLS chunks of any size (a frame split
 * over several chunks, several frames in one chunk); complete frames come out in order.
 * It also enforces what can be checked on one frame alone: the size limit, fixed payload
 * lengths, which frames belong on stream 0, padding, the PRIORITY fields of HEADERS, and
 * that a header block's CONTINUATION frames follow it without interruption. HEADERS and
 * their CONTINUATIONs come out as one HEADERS frame carrying the whole block.
 */
import { FRAME_HEADER_BYTES, Flag, FrameType, H2Code } from "./constants.js";
import { H2ConnectionError } from "./h2-error.js";

/**
 * Receives one frame. `payload` is the frame's content with padding and priority fields
 * removed; `flowBytes` is the full payload length DATA counts against flow control.
 * The payload is a view of the received chunk (valid as long as it is referenced).
 */
export type FrameSink = (type: number, flags: number, streamId: number, payload: Buffer, flowBytes: number) => void;

// A header block spread over CONTINUATION frames is buffered whole; bound it (grpc-go's
// default limit on a header list is 16 MiB, real gRPC responses are a few hundred bytes).
const MAX_HEADER_BLOCK_BYTES = 16 * 1024 * 1024;

function protocolError(message: string): H2ConnectionError {
  return new H2ConnectionError(H2Code.PROTOCOL_ERROR, message);
}

function frameSizeError(message: string): H2ConnectionError {
  return new H2ConnectionError(H2Code.FRAME_SIZE_ERROR, message);
}

/** Splits a byte stream into frames. Throws H2ConnectionError on a malformed frame; then the connection must end. */
export class FrameParser {
  private rest: Buffer | undefined; // bytes of an incomplete frame
  private block: Buffer[] = []; // header block fragments while CONTINUATIONs are expected
  private blockStream = 0;
  private blockFlags = 0;
  private blockBytes = 0;

  /** @param maxFrameBytes our SETTINGS_MAX_FRAME_SIZE; a larger frame is a FRAME_SIZE_ERROR */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly sink: FrameSink,
  ) {}

  /** Consumes a chunk, emitting every frame it completes. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.rest) {
      data = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let pos = 0;
    while (data.length - pos >= FRAME_HEADER_BYTES) {
      const length = (data[pos]! << 16) | (data[pos + 1]! << 8) | data[pos + 2]!;
      if (length > this.maxFrameBytes)
        throw frameSizeError(`frame of ${length} bytes exceeds our maximum frame size of ${this.maxFrameBytes}`);
      const end = pos + FRAME_HEADER_BYTES + length;
      if (end > data.length) break;
      const type = data[pos + 3]!;
      const flags = data[pos + 4]!;
      const streamId = data.readUInt32BE(pos + 5) & 0x7fffffff;
      this.frame(type, flags, streamId, data.subarray(pos + FRAME_HEADER_BYTES, end));
      pos = end;
    }
    if (pos < data.length) this.rest = data.subarray(pos);
  }

  private frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    const length = payload.length;
    if (this.blockStream !== 0 && (type !== FrameType.CONTINUATION || streamId !== this.blockStream)) {
      throw protocolError(
        `expected a CONTINUATION of stream ${this.blockStream}'s header block, got frame type ${type} on stream ${streamId}`,
      );
    }
    switch (type) {
      case FrameType.DATA:
        requireStream(type, streamId);
        return this.sink(type, flags, streamId, unpad(flags, payload), length);
      case FrameType.HEADERS: {
        requireStream(type, streamId);
        let fragment = unpad(flags, payload);
        if (flags & Flag.PRIORITY) {
          if (fragment.length < 5) throw frameSizeError("HEADERS with PRIORITY shorter than its priority fields");
          fragment = fragment.subarray(5);
        }
        return this.headerFragment(flags & ~(Flag.PADDED | Flag.PRIORITY), streamId, fragment);
      }
      case FrameType.PRIORITY:
        requireStream(type, streamId);
        if (length !== 5) throw frameSizeError(`PRIORITY of ${length} bytes (must be 5)`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.RST_STREAM:
        requireStream(type, streamId);
        if (length !== 4) throw frameSizeError(`RST_STREAM of ${length} bytes (must be 4)`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.SETTINGS:
        requireConnection(type, streamId);
        if (flags & Flag.ACK ? length !== 0 : length % 6 !== 0) throw frameSizeError(`SETTINGS of ${length} bytes`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.PUSH_PROMISE:
        requireStream(type, streamId);
        return this.sink(type, flags, streamId, unpad(flags, payload), 0);
      case FrameType.PING:
        requireConnection(type, streamId);
        if (length !== 8) throw frameSizeError(`PING of ${length} bytes (must be 8)`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.GOAWAY:
        requireConnection(type, streamId);
        if (length < 8) throw frameSizeError(`GOAWAY of ${length} bytes (at least 8)`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.WINDOW_UPDATE:
        if (length !== 4) throw frameSizeError(`WINDOW_UPDATE of ${length} bytes (must be 4)`);
        return this.sink(type, flags, streamId, payload, 0);
      case FrameType.CONTINUATION:
        if (this.blockStream === 0)
          throw protocolError(`CONTINUATION on stream ${streamId} without a header block in progress`);
        return this.headerFragment(flags, streamId, payload);
      default:
        return; // unknown frame types are ignored (RFC 9113 §4.1)
    }
  }

  /** Collects a header block until END_HEADERS, then emits it as one HEADERS frame. */
  private headerFragment(flags: number, streamId: number, fragment: Buffer): void {
    if (this.blockStream === 0) {
      if (flags & Flag.END_HEADERS) return this.sink(FrameType.HEADERS, flags, streamId, fragment, 0);
      this.blockStream = streamId;
      this.blockFlags = flags;
      this.block = [fragment];
      this.blockBytes = fragment.length;
      return;
    }
    this.block.push(fragment);
    this.blockBytes += fragment.length;
    if (this.blockBytes > MAX_HEADER_BLOCK_BYTES)
      throw new H2ConnectionError(H2Code.ENHANCE_YOUR_CALM, `header block over ${MAX_HEADER_BLOCK_BYTES} bytes`);
    if ((flags & Flag.END_HEADERS) === 0) return;
    const block = Buffer.concat(this.block);
    const headersFlags = this.blockFlags | Flag.END_HEADERS;
    this.block = [];
    this.blockStream = 0;
    this.sink(FrameType.HEADERS, headersFlags, streamId, block, 0);
  }
}

function requireStream(type: number, streamId: number): void {
  if (streamId === 0) throw protocolError(`frame type ${type} on stream 0`);
}

function requireConnection(type: number, streamId: number): void {
  if (streamId !== 0) throw protocolError(`frame type ${type} on stream ${streamId} (must be stream 0)`);
}

/** Removes the pad length octet and the padding of a PADDED frame. */
function unpad(flags: number, payload: Buffer): Buffer {
  if ((flags & Flag.PADDED) === 0) return payload;
  if (payload.length < 1) throw frameSizeError("PADDED frame without a pad length");
  const padding = payload[0]!;
  if (padding >= payload.length)
    throw protocolError(`padding of ${padding} bytes is not shorter than the ${payload.length}-byte payload`);
  return payload.subarray(1, payload.length - padding);
}
