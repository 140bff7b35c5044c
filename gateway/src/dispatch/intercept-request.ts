import { create, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { HookContext } from "../gen/polyplug/v1/common_pb.js";
import { InterceptRequestSchema, type InterceptRequest } from "../gen/polyplug/v1/plugin_pb.js";

/** Field number of InterceptRequest.payload (google.protobuf.Struct) in plugin.proto. */
const PAYLOAD_FIELD = InterceptRequestSchema.field.payload.number;

/**
 * A payload serialized once, ready to go into any number of InterceptRequests: the
 * length-delimited body of the `payload` field (length varint + Struct bytes).
 */
export interface EncodedPayload {
  readonly field: UnknownField;
}

/** Prepares `structBytes` (a Struct's binary form, see encodePayload) for interceptRequest. */
export function encodedPayload(structBytes: Uint8Array): EncodedPayload {
  const data = new BinaryWriter().uint32(structBytes.length).raw(structBytes).finish();
  return { field: { no: PAYLOAD_FIELD, wireType: WireType.LengthDelimited, data } };
}

/**
 * An InterceptRequest whose payload is already serialized. protobuf-es writes unknown
 * fields after the known ones, and `payload` is the last field, so the bytes on the wire are
 * identical to serializing `{context, topic, payload}`; a chain of N plugins serializes the
 * payload once instead of N times (and a modified payload once, by its size check).
 */
export function interceptRequest(context: HookContext, topic: string, payload: EncodedPayload): InterceptRequest {
  const request = create(InterceptRequestSchema, { context, topic });
  request.$unknown = [payload.field];
  return request;
}
