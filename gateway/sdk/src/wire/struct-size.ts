/**
 * The size of a JSON object serialized as a google.protobuf.Struct — the one way Polyplug measures
 * payloads, configurations, event and log fields against the contract's limits — computed from
 * the JSON alone: no Struct message and no bytes are built.
 */
import { fromJson, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { MAX_JSON_DEPTH, NOT_PLAIN_JSON } from "./plain-json.js";
import { varintSize } from "./varint.js";

/**
 * Size of `object` serialized as a google.protobuf.Struct, in bytes: exactly
 * `toBinary(StructSchema, fromJson(StructSchema, object)).length` (tested against it). Input
 * protobuf-es treats specially or rejects (see encodeJsonStruct) is measured by protobuf-es,
 * whose error then applies.
 */
export function structSize(object: JsonObject): number {
  try {
    return fieldsSize(object, 0);
  } catch (error) {
    if (error !== NOT_PLAIN_JSON) throw error;
    return toBinary(StructSchema, fromJson(StructSchema, object)).length;
  }
}

/** Length-delimited: the content's length as a varint, then the content. */
function delimited(length: number): number {
  return varintSize(length) + length;
}

function valueSize(value: unknown, depth: number): number {
  if (depth >= MAX_JSON_DEPTH) throw NOT_PLAIN_JSON;
  switch (typeof value) {
    case "string":
      return 1 + delimited(Buffer.byteLength(value, "utf8"));
    case "number":
      return 9;
    case "boolean":
    case "object":
      if (value === null || typeof value === "boolean") return 2;
      return (
        1 +
        delimited(Array.isArray(value) ? listSize(value, depth) : fieldsSize(value as Record<string, unknown>, depth))
      );
    default:
      throw NOT_PLAIN_JSON;
  }
}

function listSize(list: readonly unknown[], depth: number): number {
  let total = 0;
  for (const item of list) total += 1 + delimited(valueSize(item, depth + 1));
  return total;
}

function fieldsSize(object: Readonly<Record<string, unknown>>, depth: number): number {
  let total = 0;
  for (const key of Object.keys(object)) {
    if (key === "__proto__") throw NOT_PLAIN_JSON;
    total +=
      1 + delimited(1 + delimited(Buffer.byteLength(key, "utf8")) + 1 + delimited(valueSize(object[key], depth + 1)));
  }
  return total;
}
