import type { JsonObject } from "@bufbuild/protobuf";
import { encodeStruct } from "@polyplug/sdk/internal/wire/struct-encoder.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { describeBytes, LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

/**
 * Serializes `payload` as a Struct and returns the bytes (so callers can send them without
 * serializing again); throws `resource_exhausted` naming the limit when they are too many.
 */
export function encodeCheckedPayload(payload: JsonObject, what = "payload"): Uint8Array {
  const encoded = encodeStruct(payload);
  const size = encoded.length;
  if (size > LIMITS.payloadBytes) {
    throw new PolyplugError(
      ErrorCode.ResourceExhausted,
      `${what} is ${size} bytes serialized, over the limit of ${describeBytes(LIMITS.payloadBytes)}`,
      {
        details: { size, limit: LIMITS.payloadBytes },
      },
    );
  }
  return encoded;
}
