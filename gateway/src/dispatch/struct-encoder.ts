// A JSON object straight to google.protobuf.Struct bytes, without building the Struct
// message first: an intercept's payload is serialized on every call (size check, then the
// bytes go to the plugins), and protobuf-es's fromJson + toBinary cost several times more.

/** protobuf-es's JSON recursion limit (100, the top-level Struct included): values this deep are left to it (it throws). */
const MAX_DEPTH = 100;

// Tags (field number << 3 | wire type) of struct.proto's messages.
const STRUCT_FIELDS = 0x0a; // Struct.fields, map entry (LEN)
const ENTRY_KEY = 0x0a; // map entry key (LEN)
const ENTRY_VALUE = 0x12; // map entry value (LEN)
const VALUE_NULL = 0x08; // Value.null_value (VARINT)
const VALUE_NUMBER = 0x11; // Value.number_value (I64)
const VALUE_STRING = 0x1a; // Value.string_value (LEN)
const VALUE_BOOL = 0x20; // Value.bool_value (VARINT)
const VALUE_STRUCT = 0x2a; // Value.struct_value (LEN)
const VALUE_LIST = 0x32; // Value.list_value (LEN)
const LIST_VALUES = 0x0a; // ListValue.values (LEN)

/** Thrown inside the encoder for input it leaves to protobuf-es. */
const NOT_PLAIN = Symbol("not plain JSON");

function varintLength(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[at++] = value;
  return at;
}

/**
 * Pass 1: sizes. `sizes` gets, in pre-order, the encoded length of every Value's content
 * and of every Struct map entry, so pass 2 can write each length before its content.
 */
function valueSize(value: unknown, depth: number, sizes: number[]): number {
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  switch (typeof value) {
    case "string": {
      const length = Buffer.byteLength(value, "utf8");
      return 1 + varintLength(length) + length;
    }
    case "number":
      return 9;
    case "boolean":
      return 2;
    case "object": {
      if (value === null) return 2;
      const slot = sizes.length;
      sizes.push(0);
      const length = Array.isArray(value) ? listSize(value, depth, sizes) : structSize(value as Record<string, unknown>, depth, sizes);
      sizes[slot] = length;
      return 1 + varintLength(length) + length;
    }
    default:
      throw NOT_PLAIN; // undefined, functions, bigints, symbols: protobuf-es says what is wrong
  }
}

function listSize(list: readonly unknown[], depth: number, sizes: number[]): number {
  let total = 0;
  for (const item of list) {
    const slot = sizes.length;
    sizes.push(0);
    const size = valueSize(item, depth + 1, sizes);
    sizes[slot] = size;
    total += 1 + varintLength(size) + size;
  }
  return total;
}

function structSize(object: Record<string, unknown>, depth: number, sizes: number[]): number {
  let total = 0;
  for (const key of Object.keys(object)) {
    if (key === "__proto__") throw NOT_PLAIN; // protobuf-es's own handling of it differs
    const slot = sizes.length;
    sizes.push(0, 0);
    const keyLength = Buffer.byteLength(key, "utf8");
    const size = valueSize(object[key], depth + 1, sizes);
    const entry = 1 + varintLength(keyLength) + keyLength + 1 + varintLength(size) + size;
    sizes[slot] = entry;
    sizes[slot + 1] = size;
    total += 1 + varintLength(entry) + entry;
  }
  return total;
}

/** Pass 2: bytes, reading the sizes in the order pass 1 pushed them. */
class StructWriter {
  private at = 0;
  private next = 0;

  constructor(
    private readonly out: Buffer,
    private readonly sizes: readonly number[],
  ) {}

  private size(): number {
    return this.sizes[this.next++] as number;
  }

  private varint(value: number): void {
    this.at = writeVarint(this.out, this.at, value);
  }

  private string(tag: number, value: string): void {
    const out = this.out;
    out[this.at++] = tag;
    const length = Buffer.byteLength(value, "utf8");
    this.varint(length);
    this.at += out.write(value, this.at, "utf8");
  }

  value(value: unknown): void {
    const out = this.out;
    switch (typeof value) {
      case "string":
        return this.string(VALUE_STRING, value);
      case "number":
        out[this.at++] = VALUE_NUMBER;
        this.at = out.writeDoubleLE(value, this.at);
        return;
      case "boolean":
        out[this.at++] = VALUE_BOOL;
        out[this.at++] = value ? 1 : 0;
        return;
      default: {
        if (value === null) {
          out[this.at++] = VALUE_NULL;
          out[this.at++] = 0;
          return;
        }
        const isList = Array.isArray(value);
        out[this.at++] = isList ? VALUE_LIST : VALUE_STRUCT;
        this.varint(this.size());
        if (isList) this.list(value);
        else this.struct(value as Record<string, unknown>);
      }
    }
  }

  list(list: readonly unknown[]): void {
    for (const item of list) {
      this.out[this.at++] = LIST_VALUES;
      this.varint(this.size());
      this.value(item);
    }
  }

  struct(object: Record<string, unknown>): void {
    for (const key of Object.keys(object)) {
      this.out[this.at++] = STRUCT_FIELDS;
      this.varint(this.size());
      const valueLength = this.size();
      this.string(ENTRY_KEY, key);
      this.out[this.at++] = ENTRY_VALUE;
      this.varint(valueLength);
      this.value(object[key]);
    }
  }
}

/**
 * `object` serialized as a google.protobuf.Struct, byte for byte what protobuf-es's
 * `toBinary(StructSchema, fromJson(StructSchema, object))` gives; undefined for input
 * protobuf-es treats specially or rejects (values that are not JSON, nesting past its
 * recursion limit, a `__proto__` key), which the caller leaves to protobuf-es.
 */
export function encodeJsonStruct(object: Readonly<Record<string, unknown>>): Uint8Array | undefined {
  const sizes: number[] = [];
  let length: number;
  try {
    length = structSize(object as Record<string, unknown>, 0, sizes);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
  const out = Buffer.allocUnsafe(length);
  new StructWriter(out, sizes).struct(object as Record<string, unknown>);
  return out;
}
