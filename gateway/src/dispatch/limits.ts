import { toBinary, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema, type Struct } from "@bufbuild/protobuf/wkt";
import { fromJson } from "@bufbuild/protobuf";
import { ErrorCode, PolyplugError } from "../errors.js";

/** Largest Intercept/Notify payload, serialized as google.protobuf.Struct (the contract's limit). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** Serialized size of a JSON object as a Struct. */
export function payloadBytes(payload: JsonObject): number {
  const struct: Struct = fromJson(StructSchema, payload);
  return toBinary(StructSchema, struct).length;
}

/** Throws `resource_exhausted` naming the limit when the payload is too large. */
export function checkPayloadSize(payload: JsonObject, what = "payload"): void {
  const size = payloadBytes(payload);
  if (size > MAX_PAYLOAD_BYTES) {
    throw new PolyplugError(ErrorCode.ResourceExhausted, `${what} is ${size} bytes serialized, over the limit of ${MAX_PAYLOAD_BYTES} bytes (8 MiB)`, {
      details: { size, limit: MAX_PAYLOAD_BYTES },
    });
  }
}
