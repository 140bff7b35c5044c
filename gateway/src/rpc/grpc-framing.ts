/**
 * The gRPC-over-HTTP/2 wire details a unary client needs: 5-byte length-prefixed
 * messages, the `grpc-timeout` header, the percent-encoded `grpc-message`, and what an
 * HTTP status means when a response carries no gRPC status. Pure functions and one small
 * incremental decoder, so the transport stays about sockets and streams.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";

/** Bytes before each message: a compressed flag (1 byte) and a big-endian length (4 bytes). */
export const GRPC_FRAME_HEADER_BYTES = 5;

// Headers a gRPC transport sets itself; caller metadata may not override them.
const RESERVED_GRPC_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "te",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "user-agent",
]);

/** True for a pseudo-header or a header the transport sets itself (caller metadata under such a name is dropped). */
export function isReservedGrpcHeader(name: string): boolean {
  return name.startsWith(":") || RESERVED_GRPC_HEADERS.has(name);
}

/** The 5-byte prefix of an uncompressed message of `length` bytes. */
export function grpcFrameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES);
  header[0] = 0;
  header.writeUInt32BE(length, 1);
  return header;
}

/** Frames one uncompressed message: flag 0, 32-bit big-endian length, then the bytes. */
export function encodeGrpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, GRPC_FRAME_HEADER_BYTES);
  return frame;
}

/** Why a frame could not be accepted: the gRPC status to answer and a message naming the cause. */
export class GrpcFrameError extends Error {
  override readonly name = "GrpcFrameError";
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reassembles length-prefixed messages from chunks of any size. Refuses compressed
 * messages (this client never offers an encoding, so the peer must not use one) and
 * messages longer than `maxMessageBytes` as soon as their length prefix arrives.
 */
export class GrpcFrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private expected = -1; // body length of the frame being read; -1 while reading a header

  constructor(private readonly maxMessageBytes: number) {}

  /** True when a frame has started but not finished (the stream ended mid-message if so). */
  get partial(): boolean {
    return this.pendingBytes > 0 || this.expected >= 0;
  }

  /** Adds a chunk and returns the messages it completed (often none or one). Throws GrpcFrameError. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // Fast path: nothing buffered and the chunk is exactly one whole frame.
    if (this.pendingBytes === 0 && this.expected < 0 && chunk.length >= GRPC_FRAME_HEADER_BYTES) {
      const length = this.readHeader(chunk);
      if (chunk.length === GRPC_FRAME_HEADER_BYTES + length) {
        out.push(chunk.subarray(GRPC_FRAME_HEADER_BYTES));
        return out;
      }
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.expected < 0) {
        if (this.pendingBytes < GRPC_FRAME_HEADER_BYTES) return out;
        this.expected = this.readHeader(this.take(GRPC_FRAME_HEADER_BYTES));
      }
      if (this.pendingBytes < this.expected) return out;
      out.push(this.take(this.expected));
      this.expected = -1;
    }
  }

  private readHeader(header: Buffer): number {
    const flag = header[0];
    if (flag !== 0) {
      throw new GrpcFrameError(
        status.INTERNAL,
        flag === 1
          ? "received a compressed message, but this client offers no grpc-accept-encoding"
          : `received a message with an invalid compressed flag ${String(flag)}`,
      );
    }
    const length = header.readUInt32BE(1);
    if (length > this.maxMessageBytes) {
      throw new GrpcFrameError(
        status.RESOURCE_EXHAUSTED,
        `received a message of ${length} bytes, larger than the limit of ${this.maxMessageBytes} bytes`,
      );
    }
    return length;
  }

  /** Removes and returns the first `count` buffered bytes (count ≤ pendingBytes). */
  private take(count: number): Buffer {
    const first = this.pending[0];
    if (first && first.length >= count) {
      const head = first.subarray(0, count);
      if (first.length === count) this.pending.shift();
      else this.pending[0] = first.subarray(count);
      this.pendingBytes -= count;
      return head;
    }
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = all.length > count ? [all.subarray(count)] : [];
    this.pendingBytes -= count;
    return all.subarray(0, count);
  }
}

const MAX_TIMEOUT_DIGITS = 99_999_999; // the spec allows at most 8 digits

/** Milliseconds left until `deadline` (an absolute Date, or already a number of milliseconds); undefined without one. */
export function remainingMs(deadline: Date | number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  return typeof deadline === "number" ? deadline : deadline.getTime() - Date.now();
}

/** The `grpc-timeout` header value for `ms` milliseconds from now (rounded up, at least 1 ms). */
export function grpcTimeoutHeader(ms: number): string {
  const millis = Math.max(1, Math.ceil(ms));
  if (millis <= MAX_TIMEOUT_DIGITS) return `${millis}m`;
  const seconds = Math.ceil(millis / 1000);
  if (seconds <= MAX_TIMEOUT_DIGITS) return `${seconds}S`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes <= MAX_TIMEOUT_DIGITS) return `${minutes}M`;
  return `${Math.min(MAX_TIMEOUT_DIGITS, Math.ceil(minutes / 60))}H`;
}

/** Decodes a percent-encoded `grpc-message` (UTF-8); malformed escapes are kept as they are. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  // Each run of escapes is UTF-8 bytes; a multi-byte character is always escaped whole.
  return value.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"));
}

/** The gRPC status for an HTTP response without one (gRPC's HTTP-to-gRPC mapping). */
export function statusFromHttp(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}
