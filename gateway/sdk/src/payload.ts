import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import { describeBytes } from "./contract/limits.js";
import { PluginError } from "./plugin-error.js";
import { structSize } from "./wire/struct-size.js";

function invalid(what: string, path: string, problem: string): PluginError {
  return new PluginError(ErrorCode.PLUGIN_FAILED, `${what} is not a JSON object: ${path} ${problem}`, { field: path });
}

function convert(value: unknown, what: string, path: string, seen: Set<object>): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw invalid(what, path, `is ${value}, which JSON cannot carry`);
      return value;
    case "undefined":
      return undefined;
    case "bigint":
      throw invalid(what, path, "is a bigint; send large integers as strings");
    case "function":
    case "symbol":
      throw invalid(what, path, `is a ${typeof value}`);
  }
  const object = value as object & { toJSON?: () => unknown };
  if (typeof object.toJSON === "function") return convert(object.toJSON(), what, path, seen);
  if (seen.has(object)) throw invalid(what, path, "refers back to itself (a cycle)");
  seen.add(object);
  try {
    if (Array.isArray(object))
      return object.map((item, index) => convert(item, what, `${path}[${index}]`, seen) ?? null);
    if (object instanceof Uint8Array) throw invalid(what, path, "is binary data; encode it (e.g. base64) as a string");
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(object)) {
      const converted = convert(item, what, `${path}.${key}`, seen);
      if (converted !== undefined) result[key] = converted;
    }
    return result;
  } finally {
    seen.delete(object);
  }
}

/**
 * Checks that `value` is a plain JSON object (what a google.protobuf.Struct can carry) and
 * returns a clean copy: `undefined` properties are dropped and `toJSON()` is honoured, as
 * JSON.stringify does. Anything else (arrays or scalars at the top, NaN, bigint, functions,
 * cycles) throws a PluginError naming the offending path.
 */
export function toJsonObject(value: unknown, what: string): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PluginError(
      ErrorCode.PLUGIN_FAILED,
      `${what} must be a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  return convert(value, what, "$", new Set()) as JsonObject;
}

/** Throws RESOURCE_EXHAUSTED (naming the limit) when `object` serializes to more than `limit` bytes. */
export function checkStructSize(object: JsonObject, limit: number, what: string): void {
  const size = structSize(object);
  if (size > limit) {
    throw new PluginError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `${what} is ${size} bytes serialized, over the limit of ${describeBytes(limit)}`,
      { limit: `${limit} bytes` },
    );
  }
}

/** Throws RESOURCE_EXHAUSTED when a string is longer than `limit` UTF-8 bytes. */
export function checkTextSize(text: string, limit: number, what: string): void {
  const size = Buffer.byteLength(text, "utf8");
  if (size > limit)
    throw new PluginError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `${what} is ${size} bytes, over the limit of ${describeBytes(limit)}`,
      { limit: `${limit} bytes` },
    );
}
