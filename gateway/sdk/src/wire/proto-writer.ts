/**
 * Low-level protobuf wire-format writing for fastToBinary and the Struct encoder: varints,
 * length-delimited fields whose length is filled in afterwards (one byte reserved; small content
 * moved when its length needs more, large content's length spliced in once, by result()), UTF-8
 * strings written straight into the buffer.
 */
import { varintSize, writeVarint } from "./varint.js";

const SHARED_BYTES = 64 * 1024;
/** Content this long or longer is not moved to make room for its length; result() splices the length in. */
const MOVE_LIMIT = 8 * 1024;
const shared = Buffer.allocUnsafe(SHARED_BYTES); // scratch for small messages, copied out

/** A protobuf wire-format writer into one growing buffer (a shared scratch until it outgrows it). */
export class ProtoWriter {
  protected buf = shared;
  protected pos = 0;
  /**
   * Lengths of large content (MOVE_LIMIT or more), as (position, length) pairs in the order they
   * were closed. result() splices them in, moving the content once, where moving at every close
   * would move a large value once per enclosing message.
   */
  private wide: number[] | undefined;

  /** The bytes: copied out of the shared scratch, or the writer's own grown buffer (no copy). */
  result(): Uint8Array {
    if (this.wide !== undefined) return this.spliced(this.wide);
    if (this.buf !== shared) return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    // allocUnsafe takes small sizes from Node's shared pool: no ArrayBuffer of its own to allocate and collect.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Reserves one length byte; `close` fills it in (or leaves a larger length to result()). */
  open(): number {
    this.room(1);
    return this.pos++;
  }

  close(start: number): void {
    let length = this.pos - start - 1;
    const wide = this.wide;
    if (wide !== undefined) {
      // Wide lengths closed since this open() lie inside: their extra bytes count too.
      for (let i = wide.length - 2; i >= 0 && (wide[i] as number) > start; i -= 2)
        length += varintSize(wide[i + 1] as number) - 1;
    }
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    if (length >= MOVE_LIMIT) {
      this.wide ??= [];
      this.wide.push(start, length);
      return;
    }
    // Small enough to move now (cheaper than a splice); so is everything inside it, so none of its
    // content waits in `wide`.
    const extra = varintSize(length) - 1;
    this.room(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    writeVarint(this.buf, start, length);
  }

  /** The bytes with every wide length written at its reserved byte. */
  private spliced(wide: number[]): Uint8Array {
    // Recorded as closed: siblings in order, an enclosing message after what it encloses.
    let extra = 0;
    let ordered = true;
    for (let i = 0; i < wide.length; i += 2) {
      extra += varintSize(wide[i + 1] as number) - 1;
      if (i > 0 && (wide[i] as number) < (wide[i - 2] as number)) ordered = false;
    }
    if (!ordered) sortPairs(wide);
    const out = Buffer.allocUnsafe(this.pos + extra);
    let from = 0;
    let to = 0;
    for (let i = 0; i < wide.length; i += 2) {
      const at = wide[i] as number;
      to += this.buf.copy(out, to, from, at);
      to = writeVarint(out, to, wide[i + 1] as number);
      from = at + 1;
    }
    this.buf.copy(out, to, from, this.pos);
    return out;
  }

  /** A string's UTF-8 length and bytes; `utf8Length` when the caller has measured it already. */
  string(value: string, utf8Length?: number): void {
    if (value.length < 0x80 / 3) {
      // The UTF-8 length fits one length byte: write the text, then its length before it.
      this.room(1 + value.length * 3);
      const start = this.pos++;
      this.pos += this.buf.write(value, this.pos, "utf8");
      this.buf[start] = this.pos - start - 1;
      return;
    }
    const length = utf8Length ?? Buffer.byteLength(value, "utf8");
    this.varint(length);
    this.room(length);
    this.pos += this.buf.write(value, this.pos, length, "utf8");
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  raw(value: Uint8Array): void {
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  double(value: number): void {
    this.room(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  byte(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value;
  }

  /** A non-negative safe integer (tags, lengths, uint32 values). */
  varint(value: number): void {
    this.room(8);
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  varint64(value: bigint): void {
    this.room(10);
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  protected room(bytes: number): void {
    if (this.buf.length - this.pos >= bytes) return;
    // Headroom past a large write (a long string), so the next small field does not double and copy it.
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes + SHARED_BYTES));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/**
 * Sorts (position, length) pairs by position, in place. Insertion sort: pairs arrive nearly in
 * order (only an enclosing message comes after what it encloses), so it moves each pair past its
 * own wide descendants only.
 */
function sortPairs(pairs: number[]): void {
  for (let i = 2; i < pairs.length; i += 2) {
    const at = pairs[i] as number;
    const length = pairs[i + 1] as number;
    let j = i - 2;
    for (; j >= 0 && (pairs[j] as number) > at; j -= 2) {
      pairs[j + 2] = pairs[j] as number;
      pairs[j + 3] = pairs[j + 1] as number;
    }
    pairs[j + 2] = at;
    pairs[j + 3] = length;
  }
}
