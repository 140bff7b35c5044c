/**
 * The size of a JSON object serialized as a google.protobuf.Struct — the one way Polyplug measures
 * payloads, configurations, event and log fields against the contract's limits — and the size
 * pass the Struct encoder writes from.
 */
import { fromJson, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { varintSize } from "./varint.js";

/** protobuf-es's JSON recursion limit (100, the top-level Struct included): values this deep are left to it (it throws). */
const MAX_DEPTH = 100;

/** Thrown inside the size pass for input it leaves to protobuf-es. */
const NOT_PLAIN = Symbol("not plain JSON");

/**
 * Size of `object` serialized as a google.protobuf.Struct, in bytes: exactly
 * `toBinary(StructSchema, fromJson(StructSchema, object)).length`, computed without building the
 * Struct or its bytes. Input protobuf-es treats specially or rejects is measured by protobuf-es
 * (whose error then applies).
 */
export function structSize(object: JsonObject): number {
  return measureJsonStruct(object, []) ?? toBinary(StructSchema, fromJson(StructSchema, object)).length;
}

/**
 * The Struct encoding's length of `object`, pushing into `sizes`, in pre-order, the encoded length
 * of every Value's content and of every map entry (what the writer needs to put each length before
 * its content); undefined for input protobuf-es treats specially or rejects (values that are not
 * JSON, nesting past its recursion limit, a `__proto__` key).
 */
export function measureJsonStruct(object: Readonly<Record<string, unknown>>, sizes: number[]): number | undefined {
  try {
    return fieldsSize(object, 0, sizes);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

function valueSize(value: unknown, depth: number, sizes: number[]): number {
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  switch (typeof value) {
    case "string": {
      const length = Buffer.byteLength(value, "utf8");
      return 1 + varintSize(length) + length;
    }
    case "number":
      return 9;
    case "boolean":
      return 2;
    case "object": {
      if (value === null) return 2;
      const slot = sizes.length;
      sizes.push(0);
      const length = Array.isArray(value) ? listSize(value, depth, sizes) : fieldsSize(value as Record<string, unknown>, depth, sizes);
      sizes[slot] = length;
      return 1 + varintSize(length) + length;
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
    total += 1 + varintSize(size) + size;
  }
  return total;
}

function fieldsSize(object: Readonly<Record<string, unknown>>, depth: number, sizes: number[]): number {
  let total = 0;
  for (const key of Object.keys(object)) {
    if (key === "__proto__") throw NOT_PLAIN; // protobuf-es's own handling of it differs
    const slot = sizes.length;
    sizes.push(0, 0);
    const keyLength = Buffer.byteLength(key, "utf8");
    const size = valueSize(object[key], depth + 1, sizes);
    const entry = 1 + varintSize(keyLength) + keyLength + 1 + varintSize(size) + size;
    sizes[slot] = entry;
    sizes[slot + 1] = size;
    total += 1 + varintSize(entry) + entry;
  }
  return total;
}
