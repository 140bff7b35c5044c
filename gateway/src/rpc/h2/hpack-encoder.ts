/**
 * HPACK encoding of gRPC request headers. No dynamic table (the peer's decoder state never
 * depends on ours, so there is nothing to keep in sync): `:method POST` and `:scheme` as
 * static indexes, everything else as literals without indexing. The part that is the same
 * for every call to a path is encoded once and cached.
 */
import { StaticIndex } from "./hpack-static-table.js";

// Headers the transport sets itself; caller metadata may not override them.
const RESERVED_HEADERS = new Set(["content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent"]);
// Connection-specific headers are malformed in HTTP/2 (RFC 9113 §8.2.2).
const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;

/** Caller metadata that cannot be sent as HTTP/2 headers. */
export class InvalidMetadataError extends Error {
  override readonly name = "InvalidMetadataError";
}

/** Appends an HPACK integer with an N-bit prefix whose upper bits are `flags` (RFC 7541 §5.1). */
function integer(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/** Appends a raw (not Huffman-coded) string literal. */
function literal(out: number[], text: string): void {
  const bytes = Buffer.from(text, "latin1");
  integer(out, bytes.length, 7, 0);
  for (const byte of bytes) out.push(byte);
}

/** A literal header field without indexing, with an indexed name (`nameIndex` > 0) or a literal one. */
function field(out: number[], nameIndex: number, name: string, value: string): void {
  if (nameIndex > 0) integer(out, nameIndex, 4, 0);
  else {
    out.push(0);
    literal(out, name);
  }
  literal(out, value);
}

/**
 * Encodes request header blocks for one connection target (`scheme`, `authority`).
 * The buffer `encode` returns is only valid until the next `encode` call when the call has a
 * timeout or metadata (it is a view of a reused scratch buffer); copy it before then.
 */
export class RequestHeaderEncoder {
  private readonly fixed = new Map<string, Buffer>();
  private scratch = Buffer.allocUnsafe(1024);

  constructor(
    private readonly scheme: "http" | "https",
    private readonly authority: string,
  ) {}

  /**
   * The header block for a gRPC call to `path`, with `grpc-timeout` when given and the caller's
   * metadata (names lower-cased; pseudo-headers and transport-owned headers dropped).
   * Throws InvalidMetadataError for a connection-specific header, a name that is not an HTTP
   * token, or a value containing NUL, CR or LF.
   */
  encode(path: string, timeout: string | undefined, metadata: Readonly<Record<string, string>> | undefined): Buffer {
    const head = this.fixedPart(path);
    if (timeout === undefined && metadata === undefined) return head;
    const out: number[] = [];
    if (timeout !== undefined) field(out, 0, "grpc-timeout", timeout);
    if (metadata) {
      for (const key in metadata) {
        const name = key.toLowerCase();
        if (name.startsWith(":") || RESERVED_HEADERS.has(name)) continue;
        const value = String(metadata[key]);
        if (CONNECTION_HEADERS.has(name)) throw new InvalidMetadataError(`metadata "${name}" is a connection-specific header, not allowed in HTTP/2`);
        if (!TOKEN.test(name)) throw new InvalidMetadataError(`metadata name "${name}" is not a valid HTTP header name`);
        if (INVALID_VALUE.test(value)) throw new InvalidMetadataError(`metadata "${name}" has a value with NUL, CR or LF`);
        field(out, 0, name, value);
      }
    }
    const size = head.length + out.length;
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, this.scratch.length * 2));
    head.copy(this.scratch, 0);
    for (let i = 0; i < out.length; i++) this.scratch[head.length + i] = out[i]!;
    return this.scratch.subarray(0, size);
  }

  private fixedPart(path: string): Buffer {
    let block = this.fixed.get(path);
    if (block) return block;
    const out: number[] = [];
    out.push(0x80 | StaticIndex.METHOD_POST);
    out.push(0x80 | (this.scheme === "https" ? StaticIndex.SCHEME_HTTPS : StaticIndex.SCHEME_HTTP));
    field(out, StaticIndex.PATH, ":path", path);
    field(out, StaticIndex.AUTHORITY, ":authority", this.authority);
    field(out, StaticIndex.CONTENT_TYPE, "content-type", "application/grpc");
    field(out, 0, "te", "trailers");
    block = Buffer.from(out);
    if (this.fixed.size < 1024) this.fixed.set(path, block); // bounded: paths come from service definitions
    return block;
  }
}
