/**
 * Low-level protobuf wire-format writing for fastToBinary: varints, length-delimited fields whose
 * length is patched in afterwards (one byte reserved, content moved when it needs more), UTF-8
 * strings written straight into the buffer.
 */
import { varintSize, writeVarint } from "./varint.js";

const SHARED_BYTES = 64 * 1024;
const shared = Buffer.allocUnsafe(SHARED_BYTES); // scratch for small messages, copied out

/** A protobuf wire-format writer into one growing buffer (a shared scratch until it outgrows it). */
export class ProtoWriter {
  protected buf = shared;
  protected pos = 0;

  /** The bytes: copied out of the shared scratch, or the writer's own grown buffer (no copy). */
  result(): Uint8Array {
    if (this.buf !== shared) return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    // allocUnsafe takes small sizes from Node's shared pool: no ArrayBuffer of its own to allocate and collect.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Reserves one length byte; `close` fills it in (moving the content if the length needs more). */
  open(): number {
    this.room(1);
    return this.pos++;
  }

  close(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.room(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    writeVarint(this.buf, start, length);
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
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
