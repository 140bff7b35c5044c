import type { JsonObject } from "@bufbuild/protobuf";
import { encodeStruct } from "@polyplug/sdk/internal/wire/struct-encoder.js";
import { ErrorCode, PolyplugError } from "../errors.js";

/** Largest Intercept/Notify payload, serialized as google.protobuf.Struct (the contract's limit). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/**
 * Serializes `payload` as a Struct and returns the bytes (so callers can send them without
 * serializing again); throws `resource_exhausted` naming the limit when they are too many.
 */
export function encodeCheckedPayload(payload: JsonObject, what = "payload"): Uint8Array {
  const encoded = encodeStruct(payload);
  const size = encoded.length;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new PolyplugError(ErrorCode.ResourceExhausted, `${what} is ${size} bytes serialized, over the limit of ${MAX_PAYLOAD_BYTES} bytes (8 MiB)`, {
      details: { size, limit: MAX_PAYLOAD_BYTES },
    });
  }
  return encoded;
}
