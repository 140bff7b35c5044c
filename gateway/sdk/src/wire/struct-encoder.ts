/**
 * A JSON object straight to google.protobuf.Struct bytes, without building the Struct message
 * first: an intercept's payload is serialized on every call (size check, then the bytes go to the
 * plugins), and protobuf-es's fromJson + toBinary cost several times more. One pass into a
 * ProtoWriter: small lengths are patched in afterwards, a long string's lengths are computed
 * before it is written (so megabytes are not moved to make room for a length).
 */
import { fromJson, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { MAX_JSON_DEPTH, NOT_PLAIN_JSON } from "./plain-json.js";
import { ProtoWriter } from "./proto-writer.js";
import {
  ENTRY_KEY,
  ENTRY_VALUE,
  LIST_VALUES,
  STRUCT_FIELDS,
  VALUE_BOOL,
  VALUE_LIST,
  VALUE_NULL,
  VALUE_NUMBER,
  VALUE_STRING,
  VALUE_STRUCT,
} from "./struct-tags.js";
import { varintSize } from "./varint.js";

/** Strings this long or longer may need a length of two bytes or more (3 UTF-8 bytes per UTF-16 unit). */
const LONG_STRING = Math.ceil(0x80 / 3);

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
 * protobuf-es treats specially or rejects (see plain-json.ts), which the caller leaves to it.
 */
export function encodeJsonStruct(object: Readonly<Record<string, unknown>>): Uint8Array | undefined {
  const writer = new StructWriter();
  try {
    writer.jsonFields(object, 0);
  } catch (error) {
    if (error === NOT_PLAIN_JSON) return undefined;
    throw error;
  }
  return writer.result();
}

/**
 * A ProtoWriter that writes JSON as google.protobuf.Struct content; throws NOT_PLAIN_JSON for
 * input it leaves to protobuf-es. fastToBinary's writer extends it for Struct fields.
 */
export class StructWriter extends ProtoWriter {
  /** The fields of a Struct message for `object` (at nesting `depth`, the top-level Struct being 0). */
  jsonFields(object: Readonly<Record<string, unknown>>, depth: number): void {
    for (const key of Object.keys(object)) {
      if (key === "__proto__") throw NOT_PLAIN_JSON;
      const value = object[key];
      if (typeof value === "string" && value.length >= LONG_STRING) {
        this.longStringEntry(key, value, depth + 1);
        continue;
      }
      this.byte(STRUCT_FIELDS);
      const entry = this.open();
      this.byte(ENTRY_KEY);
      this.string(key);
      this.byte(ENTRY_VALUE);
      const content = this.open();
      this.jsonValue(value, depth + 1);
      this.close(content);
      this.close(entry);
    }
  }

  /** A map entry whose value is a long string: every length computed first, nothing moved. */
  private longStringEntry(key: string, value: string, depth: number): void {
    if (depth >= MAX_JSON_DEPTH) throw NOT_PLAIN_JSON;
    const keyLength = Buffer.byteLength(key, "utf8");
    const textLength = Buffer.byteLength(value, "utf8");
    const valueLength = 1 + varintSize(textLength) + textLength;
    this.byte(STRUCT_FIELDS);
    this.varint(1 + varintSize(keyLength) + keyLength + 1 + varintSize(valueLength) + valueLength);
    this.byte(ENTRY_KEY);
    this.string(key);
    this.byte(ENTRY_VALUE);
    this.varint(valueLength);
    this.byte(VALUE_STRING);
    this.string(value, textLength);
  }

  /** The content of a google.protobuf.Value for a JSON value. */
  private jsonValue(value: unknown, depth: number): void {
    if (depth >= MAX_JSON_DEPTH) throw NOT_PLAIN_JSON;
    switch (typeof value) {
      case "string":
        this.byte(VALUE_STRING);
        return this.string(value);
      case "number":
        this.byte(VALUE_NUMBER);
        return this.double(value);
      case "boolean":
        this.byte(VALUE_BOOL);
        return this.byte(value ? 1 : 0);
      case "object": {
        if (value === null) {
          this.byte(VALUE_NULL);
          return this.byte(0);
        }
        const isList = Array.isArray(value);
        this.byte(isList ? VALUE_LIST : VALUE_STRUCT);
        const start = this.open();
        if (isList) this.jsonList(value, depth);
        else this.jsonFields(value as Record<string, unknown>, depth);
        return this.close(start);
      }
      default:
        throw NOT_PLAIN_JSON; // undefined, functions, bigints, symbols: protobuf-es says what is wrong
    }
  }

  /** The content of a google.protobuf.ListValue for a JSON array. */
  private jsonList(list: readonly unknown[], depth: number): void {
    for (const item of list) {
      this.byte(LIST_VALUES);
      if (typeof item === "string" && item.length >= LONG_STRING) {
        if (depth + 1 >= MAX_JSON_DEPTH) throw NOT_PLAIN_JSON;
        const textLength = Buffer.byteLength(item, "utf8");
        this.varint(1 + varintSize(textLength) + textLength);
        this.byte(VALUE_STRING);
        this.string(item, textLength);
        continue;
      }
      const start = this.open();
      this.jsonValue(item, depth + 1);
      this.close(start);
    }
  }
}
