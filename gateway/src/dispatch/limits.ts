import { toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema, type Struct } from "@bufbuild/protobuf/wkt";
import { fromJson } from "@bufbuild/protobuf";
import { ErrorCode, PolyplugError } from "../errors.js";
import { encodeJsonStruct } from "./struct-encoder.js";

import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
/** Largest Intercept/Notify payload, serialized as google.protobuf.Struct (the contract's limit). */
export const MAX_PAYLOAD_BYTES: number = LIMITS.payloadBytes;

/** A JSON object serialized as a google.protobuf.Struct, exactly as a hook request carries it. */
export function encodePayload(payload: JsonObject): Uint8Array {
  const direct = encodeJsonStruct(payload);
  if (direct) return direct;
  const struct: Struct = fromJson(StructSchema, payload);
  return toBinary(StructSchema, struct);
}

/** Serialized size of a JSON object as a Struct. */
export function payloadBytes(payload: JsonObject): number {
  return encodePayload(payload).length;
}

/**
 * Serializes `payload` as a Struct and returns the bytes (so callers can send them without
 * serializing again); throws `resource_exhausted` naming the limit when they are too many.
 */
export function encodeCheckedPayload(payload: JsonObject, what = "payload"): Uint8Array {
  const encoded = encodePayload(payload);
  const size = encoded.length;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new PolyplugError(ErrorCode.ResourceExhausted, `${what} is ${size} bytes serialized, over the limit of ${MAX_PAYLOAD_BYTES} bytes (8 MiB)`, {
      details: { size, limit: MAX_PAYLOAD_BYTES },
    });
  }
  return encoded;
}

/** Throws `resource_exhausted` naming the limit when the payload is too large. */
export function checkPayloadSize(payload: JsonObject, what = "payload"): void {
  encodeCheckedPayload(payload, what);
}
