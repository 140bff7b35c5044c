/**
 * HPACK encoding of gRPC request headers (RFC 7541) with a dynamic table for the fields that
 * repeat on every call (`:path` per method, `:authority`, `content-type`, `te`): the first call
 * inserts them ("literal with incremental indexing"), later calls send one index byte each, so
 * the server decodes table references instead of string literals. Caller metadata varies per
 * call and goes as literals without indexing (it would only churn the table). `grpc-timeout`
 * is indexed once the same value comes twice in a row on the connection (a hook's fixed
 * timeout, the usual case in a chain), a literal otherwise (a chain's remaining time).
 * The encoder models the peer decoder's table exactly (insertion order, 32-byte entry
 * overhead, eviction), so one encoder belongs to one connection and header blocks must reach
 * the wire in the order they were encoded.
 */
import { isReservedGrpcHeader } from "../grpc-framing.js";
import { StaticIndex } from "./hpack-static-table.js";

// Connection-specific headers are malformed in HTTP/2 (RFC 9113 §8.2.2).
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;
const ENTRY_OVERHEAD_BYTES = 32; // RFC 7541 §4.1
const STATIC_ENTRIES = 61;
/** The largest dynamic table this encoder uses, whatever the peer allows (HPACK's default). */
export const MAX_ENCODER_TABLE_BYTES = 4096;

function tableKey(name: string, value: string): string {
  return `${name}\0${value}`;
}
const CONTENT_TYPE_KEY = tableKey("content-type", "application/grpc");
const TE_KEY = tableKey("te", "trailers");

/** Caller metadata that cannot be sent as HTTP/2 headers. */
export class InvalidMetadataError extends Error {
  override readonly name = "InvalidMetadataError";
}

/** Validated request metadata: lower-case names and values, in the caller's order. */
export type MetadataFields = ReadonlyArray<readonly [string, string]>;

/**
 * Checks and normalises caller metadata: names lower-cased, pseudo-headers and transport-owned
 * headers dropped. Returns undefined when nothing is left. Throws InvalidMetadataError for a
 * connection-specific header, a name that is not an HTTP token, or a value with NUL, CR or LF.
 */
export function metadataFields(metadata: Readonly<Record<string, string>> | undefined): MetadataFields | undefined {
  if (metadata === undefined) return undefined;
  const fields: Array<readonly [string, string]> = [];
  for (const key in metadata) {
    const name = key.toLowerCase();
    if (isReservedGrpcHeader(name)) continue;
    const value = String(metadata[key]);
    if (CONNECTION_HEADERS.has(name))
      throw new InvalidMetadataError(`metadata "${name}" is a connection-specific header, not allowed in HTTP/2`);
    if (!TOKEN.test(name)) throw new InvalidMetadataError(`metadata name "${name}" is not a valid HTTP header name`);
    if (INVALID_VALUE.test(value)) throw new InvalidMetadataError(`metadata "${name}" has a value with NUL, CR or LF`);
    fields.push([name, value]);
  }
  return fields.length > 0 ? fields : undefined;
}

/** What one request's header block says besides the connection's constants. */
export interface RequestHead {
  readonly path: string;
  /** The `grpc-timeout` value, if the call has a deadline. */
  readonly timeout: string | undefined;
  readonly metadata: MetadataFields | undefined;
}

/**
 * Encodes request header blocks for one connection (`scheme`, `authority`). The buffer
 * `encode` returns is a view of a reused scratch buffer, valid until the next `encode`.
 */
export class RequestHeaderEncoder {
  private scratch = Buffer.allocUnsafe(512);
  private pos = 0;
  // The modelled dynamic table: entry keys oldest first, from `oldest` on (a queue without shifting).
  private readonly keys: string[] = [];
  private readonly sizes: number[] = [];
  private oldest = 0;
  private readonly position = new Map<string, number>(); // entry key -> insertion number
  private tableBytes = 0;
  private tableLimit = MAX_ENCODER_TABLE_BYTES; // the peer's default SETTINGS_HEADER_TABLE_SIZE
  private sizeUpdate = -1; // a dynamic table size update owed at the start of the next block
  private readonly pathKeys = new Map<string, string>(); // table keys of `:path` values, built once
  private readonly authorityKey: string;
  private lastTimeout: string | undefined; // the previous call's grpc-timeout value
  private lastTimeoutKey = "";

  constructor(
    private readonly scheme: "http" | "https",
    private readonly authority: string,
  ) {
    this.authorityKey = tableKey(":authority", authority);
  }

  /** Bytes the modelled dynamic table holds now (names + values + 32 per entry). */
  get dynamicTableBytes(): number {
    return this.tableBytes;
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE (the most its decoder keeps). The encoder uses
   * min(that, 4096) and announces a change at the start of the next block, as RFC 7541 §4.2
   * requires; call it before encoding any block that follows the SETTINGS frame.
   */
  peerTableSize(bytes: number): void {
    const limit = Math.min(bytes, MAX_ENCODER_TABLE_BYTES);
    if (limit === this.tableLimit && this.sizeUpdate < 0) return;
    // Announce the smallest size reached since the last block too, so the peer evicts as we did.
    this.sizeUpdate = this.sizeUpdate < 0 ? limit : Math.min(this.sizeUpdate, limit);
    this.tableLimit = limit;
    this.evict(0);
  }

  /** The header block of one gRPC call. */
  encode(head: RequestHead): Buffer {
    this.pos = 0;
    if (this.sizeUpdate >= 0) {
      const smallest = this.sizeUpdate;
      this.integer(smallest, 5, 0x20);
      if (smallest !== this.tableLimit) this.integer(this.tableLimit, 5, 0x20);
      this.sizeUpdate = -1;
    }
    this.byte(0x80 | StaticIndex.METHOD_POST);
    this.byte(0x80 | (this.scheme === "https" ? StaticIndex.SCHEME_HTTPS : StaticIndex.SCHEME_HTTP));
    this.indexed(StaticIndex.PATH, ":path", head.path, this.pathKey(head.path));
    this.indexed(StaticIndex.AUTHORITY, ":authority", this.authority, this.authorityKey);
    this.indexed(StaticIndex.CONTENT_TYPE, "content-type", "application/grpc", CONTENT_TYPE_KEY);
    this.indexed(0, "te", "trailers", TE_KEY);
    if (head.timeout !== undefined) this.timeoutField(head.timeout);
    if (head.metadata) for (const [name, value] of head.metadata) this.literal(0, name, value);
    return this.scratch.subarray(0, this.pos);
  }

  /** A field worth keeping: a table reference when present, otherwise inserted (if it fits). */
  private indexed(nameIndex: number, name: string, value: string, key: string): void {
    const at = this.position.get(key);
    if (at !== undefined) return this.integer(STATIC_ENTRIES + this.keys.length - at, 7, 0x80);
    const size = name.length + value.length + ENTRY_OVERHEAD_BYTES; // latin1: one byte per char
    if (size > this.tableLimit) return this.literal(nameIndex, name, value);
    this.fieldName(nameIndex, name, 6, 0x40);
    this.string(value);
    this.evict(size);
    this.position.set(key, this.keys.length);
    this.keys.push(key);
    this.sizes.push(size);
    this.tableBytes += size;
  }

  /** `grpc-timeout`: a table reference when present, inserted when repeated, else a literal (see above). */
  private timeoutField(value: string): void {
    const repeated = value === this.lastTimeout;
    if (!repeated) {
      this.lastTimeout = value;
      this.lastTimeoutKey = tableKey("grpc-timeout", value);
    }
    if (repeated || this.position.has(this.lastTimeoutKey))
      return this.indexed(0, "grpc-timeout", value, this.lastTimeoutKey);
    this.literal(0, "grpc-timeout", value);
  }

  private pathKey(path: string): string {
    let key = this.pathKeys.get(path);
    if (key === undefined) {
      key = tableKey(":path", path);
      if (this.pathKeys.size < 1024) this.pathKeys.set(path, key); // bounded: paths come from service definitions
    }
    return key;
  }

  /** A literal header field without indexing. */
  private literal(nameIndex: number, name: string, value: string): void {
    this.fieldName(nameIndex, name, 4, 0);
    this.string(value);
  }

  /** Evicts the oldest entries until `incoming` more bytes fit under the limit. */
  private evict(incoming: number): void {
    while (this.tableBytes + incoming > this.tableLimit && this.oldest < this.keys.length) {
      const key = this.keys[this.oldest]!;
      if (this.position.get(key) === this.oldest) this.position.delete(key);
      this.tableBytes -= this.sizes[this.oldest]!;
      this.oldest++;
    }
    if (this.oldest > 256 && this.oldest * 2 > this.keys.length) this.compact();
  }

  /** Drops evicted slots from the queue arrays, renumbering the live entries. */
  private compact(): void {
    const shift = this.oldest;
    this.keys.splice(0, shift);
    this.sizes.splice(0, shift);
    this.oldest = 0;
    for (const [key, at] of this.position) this.position.set(key, at - shift);
  }

  private fieldName(nameIndex: number, name: string, prefixBits: number, flags: number): void {
    if (nameIndex > 0) return this.integer(nameIndex, prefixBits, flags);
    this.byte(flags);
    this.string(name);
  }

  /** A raw (not Huffman-coded) string literal, latin1. */
  private string(text: string): void {
    this.integer(text.length, 7, 0);
    this.room(text.length);
    this.pos += this.scratch.write(text, this.pos, "latin1");
  }

  /** An HPACK integer with an N-bit prefix whose upper bits are `flags` (RFC 7541 §5.1). */
  private integer(value: number, prefixBits: number, flags: number): void {
    const max = (1 << prefixBits) - 1;
    if (value < max) return this.byte(flags | value);
    this.byte(flags | max);
    let rest = value - max;
    while (rest >= 128) {
      this.byte((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.byte(rest);
  }

  private byte(value: number): void {
    this.room(1);
    this.scratch[this.pos++] = value;
  }

  private room(bytes: number): void {
    if (this.scratch.length - this.pos >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + bytes));
    this.scratch.copy(grown, 0, 0, this.pos);
    this.scratch = grown;
  }
}
