import type { JsonObject } from "@bufbuild/protobuf";
import { structSize } from "@polyplug/sdk/internal/wire/struct-size.js";
import { ErrorCode, PolyplugError } from "../errors.js";

/** `invalid_argument` naming `field` (Error.details.field, and the message starts with it). */
export function invalidArgument(field: string, problem: string): PolyplugError {
  return new PolyplugError(ErrorCode.InvalidArgument, `${field}: ${problem}`, { details: { field } });
}

/** `resource_exhausted` for `field` being `size` bytes over `limitName` of `limit` bytes. */
export function sizeExceeded(field: string, size: number, limitName: string, limit: number): PolyplugError {
  return new PolyplugError(
    ErrorCode.ResourceExhausted,
    `${field}: ${size} bytes exceeds the ${limitName} limit of ${limit} bytes`,
    {
      details: { field, limit: `${limit} bytes` },
    },
  );
}

/** UTF-8 length of a string, in bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Throws `resource_exhausted` when `text` is longer than `limit` bytes of UTF-8. */
export function checkTextSize(field: string, text: string, limitName: string, limit: number): void {
  // Cheap bound first: a UTF-16 code unit is at most 3 bytes of UTF-8.
  if (text.length * 3 <= limit) return;
  const size = utf8Bytes(text);
  if (size > limit) throw sizeExceeded(field, size, limitName, limit);
}

/** Throws `resource_exhausted` when `value` serializes to more than `limit` bytes. */
export function checkStructSize(field: string, value: JsonObject | undefined, limitName: string, limit: number): void {
  if (value === undefined) return;
  const size = structSize(value);
  if (size > limit) throw sizeExceeded(field, size, limitName, limit);
}
