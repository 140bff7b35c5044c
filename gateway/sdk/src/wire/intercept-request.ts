/**
 * The InterceptRequests of one intercept chain, serialized by hand: what the steps share is
 * encoded once, each step adds its plugin id and deadline.
 */
import { create, type UnknownField } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { HookContextSchema } from "../gen/polyplug/v1/common_pb.js";
import { InterceptRequestSchema, type InterceptRequest } from "../gen/polyplug/v1/plugin_pb.js";
import { MAP_ENTRY_KEY, MAP_ENTRY_VALUE, tag, WireType } from "./tag.js";
import { varintSize, writeVarint } from "./varint.js";
import { withWireBytes } from "./wire-bytes.js";

// Field numbers of plugin.proto's InterceptRequest and common.proto's HookContext (and of
// google.protobuf.Timestamp), written by hand below in protobuf-es's order: ascending field
// number, implicit-presence fields only when not empty/zero, map entries key then value.
const REQUEST_CONTEXT = InterceptRequestSchema.field.context.number;
const REQUEST_TOPIC = InterceptRequestSchema.field.topic.number;
const REQUEST_PAYLOAD = InterceptRequestSchema.field.payload.number;
const CONTEXT_REQUEST_ID = HookContextSchema.field.requestId.number;
const CONTEXT_TRACEPARENT = HookContextSchema.field.traceparent.number;
const CONTEXT_PLUGIN_ID = HookContextSchema.field.pluginId.number;
const CONTEXT_DEADLINE = HookContextSchema.field.deadline.number;
const CONTEXT_METADATA = HookContextSchema.field.metadata.number;
const TIMESTAMP_SECONDS = TimestampSchema.field.seconds.number;
const TIMESTAMP_NANOS = TimestampSchema.field.nanos.number;
const EMPTY = Buffer.alloc(0);

/**
 * A payload serialized once, ready to go into any number of InterceptRequests: the
 * length-delimited body of the `payload` field (length varint + Struct bytes).
 */
export interface EncodedPayload {
  readonly field: UnknownField;
}

/** Prepares `structBytes` (a Struct's binary form, see encodeStruct) for an InterceptRequestEncoder. */
export function encodedPayload(structBytes: Uint8Array): EncodedPayload {
  return { field: { no: REQUEST_PAYLOAD, wireType: WireType.LengthDelimited, data: lengthPrefixed(structBytes) } };
}

/** What every HookContext of one intercept chain carries. */
export interface ChainContextFields {
  readonly requestId: string;
  /** Sent as given: the caller has validated it (see isTraceparent). */
  readonly traceparent: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A length-delimited field (tag, length, bytes); the empty buffer for an empty `bytes` when `omitEmpty`. */
function delimited(field: number, bytes: Uint8Array, omitEmpty = true): Buffer {
  if (omitEmpty && bytes.length === 0) return EMPTY;
  const out = Buffer.allocUnsafe(1 + varintSize(bytes.length) + bytes.length);
  out[0] = tag(field, WireType.LengthDelimited); // every field written here is below 16: a one-byte tag
  out.set(bytes, writeVarint(out, 1, bytes.length));
  return out;
}

function stringField(field: number, value: string, omitEmpty = true): Buffer {
  return delimited(field, Buffer.from(value, "utf8"), omitEmpty);
}

/** The body of a length-delimited field: its length varint and `bytes`, as UnknownField.data. */
function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(varintSize(bytes.length) + bytes.length);
  out.set(bytes, writeVarint(out, 0, bytes.length));
  return out;
}

/** A string field's size on the wire: tag, length, bytes; 0 for an empty string (omitted). */
function stringFieldSize(utf8Bytes: number): number {
  return utf8Bytes === 0 ? 0 : 1 + varintSize(utf8Bytes) + utf8Bytes;
}

/** Writes a non-empty string field at `at` (nothing for an empty one); returns the end. */
function putStringField(out: Buffer, at: number, field: number, value: string, utf8Bytes: number): number {
  if (utf8Bytes === 0) return at;
  out[at] = tag(field, WireType.LengthDelimited);
  const start = writeVarint(out, at + 1, utf8Bytes);
  return start + out.write(value, start, "utf8");
}

/**
 * HookContext fields 1 and 2 (request id, traceparent), written into one buffer: built once
 * per chain, i.e. once per Intercept request, where two buffers and a concat cost ~5 µs.
 */
function contextHead(requestId: string, traceparent: string): Buffer {
  const idBytes = Buffer.byteLength(requestId, "utf8");
  const traceBytes = Buffer.byteLength(traceparent, "utf8");
  const size = stringFieldSize(idBytes) + stringFieldSize(traceBytes);
  if (size === 0) return EMPTY;
  const out = Buffer.allocUnsafe(size);
  putStringField(
    out,
    putStringField(out, 0, CONTEXT_REQUEST_ID, requestId, idBytes),
    CONTEXT_TRACEPARENT,
    traceparent,
    traceBytes,
  );
  return out;
}

// The topic field of the last chain: requests on one topic reuse it (it is only ever read).
let lastTopic = "";
let lastTopicField: UnknownField | undefined;

/** InterceptRequest's `topic` field, or undefined for an empty topic (omitted). */
function topicField(topic: string): UnknownField | undefined {
  if (topic === "") return undefined;
  if (topic !== lastTopic || lastTopicField === undefined) {
    lastTopicField = {
      no: REQUEST_TOPIC,
      wireType: WireType.LengthDelimited,
      data: lengthPrefixed(Buffer.from(topic, "utf8")),
    };
    lastTopic = topic;
  }
  return lastTopicField;
}

/**
 * Builds the InterceptRequests of one chain. Everything the steps share (request id,
 * traceparent, metadata, topic; the payload until a plugin modifies it) is serialized once;
 * each step adds only its plugin id and deadline. The requests carry their fields as
 * pre-serialized unknown fields, in field order, so protobuf-es writes exactly the bytes it
 * would for `{context, topic, payload}` (tested against it) without walking the messages.
 */
export class InterceptRequestEncoder {
  private readonly head: Buffer; // HookContext fields 1 and 2
  private readonly tail: Buffer; // HookContext field 5 (metadata entries)
  private readonly topic: UnknownField | undefined;

  constructor(fields: ChainContextFields, topic: string) {
    this.head = contextHead(fields.requestId, fields.traceparent);
    const entries: Buffer[] = [];
    for (const key of Object.keys(fields.metadata)) {
      const entry = Buffer.concat([
        stringField(MAP_ENTRY_KEY, key, false),
        stringField(MAP_ENTRY_VALUE, fields.metadata[key] as string, false),
      ]);
      entries.push(delimited(CONTEXT_METADATA, entry, false));
    }
    this.tail = entries.length === 0 ? EMPTY : Buffer.concat(entries);
    this.topic = topicField(topic);
  }

  /**
   * The request for the plugin `pluginId`, whose HookContext says the call is due by
   * `deadlineMs` (epoch ms; whole milliseconds are sent). Its whole wire form is written here,
   * in one buffer (see withWireBytes): a step costs one copy of the payload, not a walk of the
   * message and two copies (issue 17, chains).
   */
  request(pluginId: string, deadlineMs: number, payload: EncodedPayload): InterceptRequest {
    const ms = Math.max(0, Math.floor(deadlineMs));
    const seconds = Math.floor(ms / 1000);
    const nanos = (ms % 1000) * 1_000_000;
    const timestampLength = (seconds === 0 ? 0 : 1 + varintSize(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
    const idLength = Buffer.byteLength(pluginId, "utf8");
    const bodyLength =
      this.head.length +
      (idLength === 0 ? 0 : 1 + varintSize(idLength) + idLength) +
      2 +
      timestampLength +
      this.tail.length;
    const topic = this.topic?.data;
    const payloadData = payload.field.data;
    // Every field of InterceptRequest written here is below 16: one-byte tags.
    const bytes = Buffer.allocUnsafe(
      1 + varintSize(bodyLength) + bodyLength + (topic ? 1 + topic.length : 0) + 1 + payloadData.length,
    );
    bytes[0] = tag(REQUEST_CONTEXT, WireType.LengthDelimited);
    let at = writeVarint(bytes, 1, bodyLength);
    bytes.set(this.head, at);
    at += this.head.length;
    if (idLength !== 0) {
      bytes[at++] = tag(CONTEXT_PLUGIN_ID, WireType.LengthDelimited);
      at = writeVarint(bytes, at, idLength);
      at += bytes.write(pluginId, at, "utf8");
    }
    bytes[at++] = tag(CONTEXT_DEADLINE, WireType.LengthDelimited);
    bytes[at++] = timestampLength; // at most 1 + 10 + 1 + 5 bytes: a one-byte length
    if (seconds !== 0) {
      bytes[at++] = tag(TIMESTAMP_SECONDS, WireType.Varint);
      at = writeVarint(bytes, at, seconds);
    }
    if (nanos !== 0) {
      bytes[at++] = tag(TIMESTAMP_NANOS, WireType.Varint);
      at = writeVarint(bytes, at, nanos);
    }
    bytes.set(this.tail, at);
    at += this.tail.length;
    const context: UnknownField = {
      no: REQUEST_CONTEXT,
      wireType: WireType.LengthDelimited,
      data: bytes.subarray(1, at),
    };
    if (topic) {
      bytes[at++] = tag(REQUEST_TOPIC, WireType.LengthDelimited);
      bytes.set(topic, at);
      at += topic.length;
    }
    bytes[at++] = tag(REQUEST_PAYLOAD, WireType.LengthDelimited);
    bytes.set(payloadData, at);
    const request = create(InterceptRequestSchema);
    request.$unknown = this.topic ? [context, this.topic, payload.field] : [context, payload.field];
    return withWireBytes(request, bytes);
  }
}
