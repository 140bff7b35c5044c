/**
 * A JSON object straight to google.protobuf.Struct bytes, without building the Struct message
 * first: an intercept's payload is serialized on every call (size check, then the bytes go to the
 * plugins), and protobuf-es's fromJson + toBinary cost several times more. Two passes: the sizes
 * (struct-size.ts), then the bytes, each length written before its content.
 */
import { fromJson, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { measureJsonStruct } from "./struct-size.js";
import { ENTRY_KEY, ENTRY_VALUE, LIST_VALUES, STRUCT_FIELDS, VALUE_BOOL, VALUE_LIST, VALUE_NULL, VALUE_NUMBER, VALUE_STRING, VALUE_STRUCT } from "./struct-tags.js";
import { writeVarint } from "./varint.js";

/**
 * `object` serialized as a google.protobuf.Struct, exactly as a hook request carries it:
 * encodeJsonStruct's bytes, or protobuf-es's for the input it leaves to protobuf-es (whose error
 * then applies).
 */
export function encodeStruct(object: JsonObject): Uint8Array {
  return encodeJsonStruct(object) ?? toBinary(StructSchema, fromJson(StructSchema, object));
}

/**
 * `object` serialized as a google.protobuf.Struct, byte for byte what protobuf-es's
 * `toBinary(StructSchema, fromJson(StructSchema, object))` gives; undefined for input
 * protobuf-es treats specially or rejects (values that are not JSON, nesting past its
 * recursion limit, a `__proto__` key), which the caller leaves to protobuf-es.
 */
export function encodeJsonStruct(object: Readonly<Record<string, unknown>>): Uint8Array | undefined {
  const sizes: number[] = [];
  const length = measureJsonStruct(object, sizes);
  if (length === undefined) return undefined;
  const out = Buffer.allocUnsafe(length);
  writeJsonStruct(out, 0, object, sizes);
  return out;
}

/**
 * Writes the Struct fields of `object` into `out` at `at`, with the `sizes` measureJsonStruct
 * gave for it (`out` has room for its length); returns the position after them.
 */
export function writeJsonStruct(out: Buffer, at: number, object: Readonly<Record<string, unknown>>, sizes: readonly number[]): number {
  const writer = new StructWriter(out, at, sizes);
  writer.struct(object);
  return writer.at;
}

/** Writes the bytes, reading the sizes in the order the size pass pushed them. */
class StructWriter {
  private next = 0;

  constructor(
    private readonly out: Buffer,
    public at: number,
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

  struct(object: Readonly<Record<string, unknown>>): void {
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
