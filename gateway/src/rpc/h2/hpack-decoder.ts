/**
 * HPACK (RFC 7541) header block decoding for one connection: the static and dynamic tables,
 * integer and string literals (raw or Huffman-coded), and dynamic table size updates. Names
 * and values come out as latin1 strings (one char per octet), which is exact for the ASCII
 * headers gRPC uses.
 */
import { compressionError } from "./h2-error.js";
import { huffmanDecode } from "./huffman.js";
import { STATIC_TABLE } from "./hpack-static-table.js";

/** Receives each decoded header field in block order. */
export type HeaderSink = (name: string, value: string) => void;

const ENTRY_OVERHEAD = 32; // RFC 7541 §4.1
const MAX_INTEGER = 2 ** 31 - 1; // nothing legitimate in a header block is larger

/**
 * Decodes header blocks in the order the connection receives them (the dynamic table is
 * shared by all streams). `maxTableBytes` is the SETTINGS_HEADER_TABLE_SIZE we announced;
 * the peer may shrink the table with size updates but never exceed it.
 * Throws H2ConnectionError (COMPRESSION_ERROR) on any malformed block; after that the
 * decoder's state is undefined and the connection must end.
 */
export class HpackDecoder {
  // Newest entry last; HPACK dynamic index 1 is entries[entries.length - 1].
  private readonly entries: Array<readonly [string, string]> = [];
  private tableBytes = 0;
  private tableLimit: number;
  private pos = 0;

  constructor(private readonly maxTableBytes: number) {
    this.tableLimit = maxTableBytes;
  }

  /** Current dynamic table size in HPACK octets (names + values + 32 per entry). */
  get dynamicTableBytes(): number {
    return this.tableBytes;
  }

  /** Decodes one complete header block (HEADERS plus CONTINUATION payloads), calling `sink` per field. */
  decode(block: Uint8Array, sink: HeaderSink): void {
    this.pos = 0;
    let fieldSeen = false;
    while (this.pos < block.length) {
      const first = block[this.pos]!;
      if (first & 0x80) {
        const [name, value] = this.lookup(this.integer(block, 7));
        sink(name, value);
        fieldSeen = true;
      } else if (first & 0x40) {
        const name = this.fieldName(block, 6);
        const value = this.string(block);
        this.insert(name, value);
        sink(name, value);
        fieldSeen = true;
      } else if (first & 0x20) {
        if (fieldSeen) throw compressionError("dynamic table size update after a header field");
        const size = this.integer(block, 5);
        if (size > this.maxTableBytes)
          throw compressionError(`dynamic table size update to ${size} exceeds the ${this.maxTableBytes} we allow`);
        this.tableLimit = size;
        this.evict(0);
      } else {
        // 0001xxxx never indexed, 0000xxxx without indexing: same decoding, no table change.
        const name = this.fieldName(block, 4);
        sink(name, this.string(block));
        fieldSeen = true;
      }
    }
  }

  private fieldName(block: Uint8Array, prefixBits: number): string {
    const index = this.integer(block, prefixBits);
    return index === 0 ? this.string(block) : this.lookup(index)[0];
  }

  private lookup(index: number): readonly [string, string] {
    if (index === 0) throw compressionError("header index 0");
    if (index < STATIC_TABLE.length) return STATIC_TABLE[index]!;
    const entry = this.entries[this.entries.length - (index - STATIC_TABLE.length) - 1];
    if (!entry)
      throw compressionError(`header index ${index} is beyond the dynamic table (${this.entries.length} entries)`);
    return entry;
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.tableLimit) {
      // An entry larger than the table empties it and is not added (RFC 7541 §4.4).
      this.entries.length = 0;
      this.tableBytes = 0;
      return;
    }
    this.evict(size);
    this.entries.push([name, value]);
    this.tableBytes += size;
  }

  /** Drops the oldest entries until `incoming` more octets fit within the limit. */
  private evict(incoming: number): void {
    let drop = 0;
    while (this.tableBytes + incoming > this.tableLimit && drop < this.entries.length) {
      const [name, value] = this.entries[drop++]!;
      this.tableBytes -= name.length + value.length + ENTRY_OVERHEAD;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }

  /** Reads an integer with an N-bit prefix at `pos` (RFC 7541 §5.1). */
  private integer(block: Uint8Array, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = block[this.pos++]! & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.pos >= block.length) throw compressionError("integer runs past the end of the block");
      const byte = block[this.pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) throw compressionError("integer too large");
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  }

  /** Reads a string literal at `pos` (RFC 7541 §5.2). */
  private string(block: Uint8Array): string {
    if (this.pos >= block.length) throw compressionError("string literal missing at the end of the block");
    const huffman = (block[this.pos]! & 0x80) !== 0;
    const length = this.integer(block, 7);
    const start = this.pos;
    const end = start + length;
    if (end > block.length) throw compressionError(`string literal of ${length} octets runs past the end of the block`);
    this.pos = end;
    if (huffman) return huffmanDecode(block, start, end);
    return Buffer.from(block.buffer, block.byteOffset + start, length).toString("latin1");
  }
}
