/**
 * A faster `fromBinary` for the answer Polyplug reads most: an InterceptResponse saying
 * "proceed", two bytes (field 1, length 0), the answer of every step of a chain that lets the
 * event through. protobuf-es decodes it through its reflection layer (a reader, a wrapper per
 * message, a oneof lookup) in ~0.6 µs; built here as the plain object protobuf-es returns for
 * those bytes, it costs ~10 ns (issue 17, chains). Every other message and byte string goes to
 * protobuf-es, whose result (and errors) then apply.
 */
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  InterceptProceedSchema,
  InterceptResponseSchema,
  type InterceptResponse,
} from "../gen/polyplug/v1/plugin_pb.js";
import { tag, WireType } from "./tag.js";

const PROCEED_TAG = tag(InterceptResponseSchema.field.proceed.number, WireType.LengthDelimited);
const RESPONSE_TYPE = InterceptResponseSchema.typeName;
const PROCEED_TYPE = InterceptProceedSchema.typeName;

/** Decodes `bytes` like `fromBinary(schema, bytes)`, faster for a "proceed" InterceptResponse. */
export function fastFromBinary<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  if (
    bytes.length === 2 &&
    bytes[0] === PROCEED_TAG &&
    bytes[1] === 0 &&
    (schema as DescMessage) === InterceptResponseSchema
  )
    return proceedResponse() as unknown as MessageShape<Desc>;
  return fromBinary(schema, bytes);
}

/** A new InterceptResponse whose outcome is an empty `proceed`, shaped as protobuf-es builds it (a new object per call: callers may change it). */
function proceedResponse(): InterceptResponse {
  return { $typeName: RESPONSE_TYPE, outcome: { case: "proceed", value: { $typeName: PROCEED_TYPE } } };
}
