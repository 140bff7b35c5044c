/**
 * A faster `toBinary` for the request messages Polyplug sends on every hook call. protobuf-es
 * encodes through its reflection layer (a wrapper object per message, a Struct converted to
 * Value messages, a chunk array per nested message, a TextEncoder allocation per string), which
 * costs more CPU per call than the whole HTTP/2 transport. This encoder walks the generated
 * message directly into one growing buffer with a plan compiled once per schema, and produces
 * the same bytes as protobuf-es's `toBinary` (field-number order, implicit-presence zero values
 * skipped, packed repeated numbers, map entries with key and value, unknown fields last).
 * It covers proto3 messages with 32-bit numbers, 64-bit varints, strings, bytes, enums, nested
 * messages, oneofs, lists, maps and Structs; for any other schema, or a value it does not
 * expect, it hands the message to protobuf-es, whose encoding (and errors) then apply.
 */
import { toBinary, ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

const PROTO3 = 999; // Edition.EDITION_PROTO3
const IMPLICIT = 2; // FeatureSet_FieldPresence.IMPLICIT
const STRUCT = "google.protobuf.Struct";
const SUPPORTED_SCALARS = new Set<number>([ScalarType.STRING, ScalarType.BOOL, ScalarType.DOUBLE, ScalarType.FLOAT, ScalarType.INT32, ScalarType.UINT32, ScalarType.INT64, ScalarType.UINT64, ScalarType.BYTES, ScalarType.SINT32, ScalarType.FIXED32, ScalarType.SFIXED32]);

// protobuf-es unboxes these to primitives in singular fields; left to it.
const WRAPPERS = new Set(["DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue"].map((name) => `google.protobuf.${name}`));
const MAP_KEYS = new Set<number>([ScalarType.STRING, ScalarType.INT32, ScalarType.BOOL]);

/** Thrown inside the encoder for a value it does not handle; the caller falls back to protobuf-es. */
class Unsupported extends Error {}

interface FieldPlan {
  readonly field: DescField;
  readonly name: string;
  readonly oneof: string | undefined;
  readonly implicit: boolean;
  /** Tag bytes for the field's number with wire type 2 (length-delimited), and with its scalar wire type. */
  readonly lenTag: number;
  readonly scalarTag: number;
}

const plans = new WeakMap<DescMessage, readonly FieldPlan[] | null>();

function wireType(scalar: ScalarType): number {
  switch (scalar) {
    case ScalarType.DOUBLE:
      return 1;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return 5;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return 2;
    default:
      return 0;
  }
}

/** The plan of a schema, or null when some field (or nested message) is out of scope. */
function planOf(schema: DescMessage, visiting = new Set<DescMessage>()): readonly FieldPlan[] | null {
  const known = plans.get(schema);
  if (known !== undefined) return known;
  if (visiting.has(schema)) return []; // a recursive reference: the outer call decides for the whole cycle
  visiting.add(schema);
  let plan: FieldPlan[] | null = [];
  if (schema.file.edition !== PROTO3) plan = null;
  for (const field of [...schema.fields].sort((a, b) => a.number - b.number)) {
    if (plan === null) break;
    const scalar = field.fieldKind === "enum" ? ScalarType.INT32 : (field.scalar ?? ScalarType.INT32);
    const message: DescMessage | undefined = field.message;
    const ok =
      !("delimitedEncoding" in field && field.delimitedEncoding) &&
      (field.fieldKind !== "scalar" || SUPPORTED_SCALARS.has(scalar)) &&
      !(field.fieldKind === "list" && field.listKind === "scalar" && !SUPPORTED_SCALARS.has(scalar)) &&
      !(field.fieldKind === "map" && (!MAP_KEYS.has(field.mapKey) || (field.mapKind === "scalar" && !SUPPORTED_SCALARS.has(scalar)))) &&
      (message === undefined || !WRAPPERS.has(message.typeName)) &&
      (message === undefined || planOf(message, visiting) !== null);
    if (!ok) plan = null;
    else plan.push({ field, name: field.localName, oneof: field.oneof?.localName, implicit: field.presence === IMPLICIT, lenTag: (field.number << 3) | 2, scalarTag: (field.number << 3) | wireType(scalar) });
  }
  visiting.delete(schema);
  plans.set(schema, plan);
  return plan;
}

/** Encodes `message` like `toBinary(schema, message)`, faster for the schemas it covers. */
export function fastToBinary<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  const plan = planOf(schema);
  if (plan === null) return toBinary(schema, message);
  const writer = new Writer();
  try {
    writer.fields(plan, message as unknown as Record<string, unknown>);
  } catch (error) {
    if (error instanceof Unsupported) return toBinary(schema, message);
    throw error;
  }
  return writer.result();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SHARED_BYTES = 64 * 1024;
let shared = Buffer.allocUnsafe(SHARED_BYTES); // scratch for small messages, copied out

class Writer {
  private buf = shared;
  private pos = 0;

  /** The bytes: copied out of the shared scratch, or the writer's own grown buffer (no copy). */
  result(): Uint8Array {
    if (this.buf !== shared) return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    // allocUnsafe takes small sizes from Node's shared pool: no ArrayBuffer of its own to allocate and collect.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  fields(plan: readonly FieldPlan[], message: Record<string, unknown>): void {
    for (const p of plan) {
      let value: unknown;
      if (p.oneof !== undefined) {
        const group = message[p.oneof] as { case: string | undefined; value?: unknown };
        if (group.case !== p.name) continue;
        value = group.value;
      } else {
        value = message[p.name];
        if (!p.implicit) {
          if (value === undefined || !Object.prototype.hasOwnProperty.call(message, p.name)) continue;
        } else if (isZero(p.field, value)) continue;
      }
      this.field(p, value);
    }
    const unknown = message["$unknown"] as ReadonlyArray<{ no: number; wireType: number; data: Uint8Array }> | undefined;
    if (unknown) {
      for (const { no, wireType: type, data } of unknown) {
        this.varint((no << 3) | type);
        this.raw(data);
      }
    }
  }

  private field(p: FieldPlan, value: unknown): void {
    const field = p.field;
    switch (field.fieldKind) {
      case "scalar":
      case "enum":
        this.varint(p.scalarTag);
        return this.scalar(field.fieldKind === "enum" ? ScalarType.INT32 : field.scalar, value);
      case "message":
        this.varint(p.lenTag);
        return this.nested(field, field.message, value);
      case "list": {
        const list = value as readonly unknown[];
        if (field.listKind === "message") {
          for (const item of list) {
            this.varint(p.lenTag);
            this.nested(field, field.message, item);
          }
          return;
        }
        const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
        if (field.packed) {
          this.varint(p.lenTag);
          const start = this.open();
          for (const item of list) this.scalar(scalar, item);
          return this.close(start);
        }
        for (const item of list) {
          this.varint(p.scalarTag);
          this.scalar(scalar, item);
        }
        return;
      }
      case "map": {
        const map = value as Record<string, unknown>;
        const valueScalar = field.mapKind === "enum" ? ScalarType.INT32 : field.scalar;
        for (const key of Object.keys(map)) {
          this.varint(p.lenTag);
          const start = this.open();
          this.varint((1 << 3) | wireType(field.mapKey));
          this.scalar(field.mapKey, field.mapKey === ScalarType.STRING ? key : field.mapKey === ScalarType.BOOL ? key === "true" : Number(key));
          if (field.mapKind === "message") {
            this.varint((2 << 3) | 2);
            this.nested(field, field.message, map[key]);
          } else {
            this.varint((2 << 3) | wireType(valueScalar!));
            this.scalar(valueScalar!, map[key]);
          }
          this.close(start);
        }
        return;
      }
    }
  }

  /** A length-delimited message. A Struct is a JSON object in fields of any message but Value (as in protobuf-es). */
  private nested(field: DescField, schema: DescMessage, value: unknown): void {
    const start = this.open();
    if (schema.typeName === STRUCT && field.parent.typeName !== "google.protobuf.Value" && !isMessage(value)) this.struct(value);
    else if (!isMessage(value) || value.$typeName !== schema.typeName) throw new Unsupported();
    else this.fields(planOf(schema) ?? unsupported(), value as unknown as Record<string, unknown>);
    this.close(start);
  }

  /** A Struct given as a JSON object: map<string, Value> fields = 1. */
  private struct(json: unknown): void {
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Unsupported();
    for (const key of Object.keys(json)) {
      if (key === "__proto__") throw new Unsupported(); // protobuf-es's own handling applies
      this.byte(0x0a);
      const entry = this.open();
      this.byte(0x0a);
      this.string(key);
      this.byte(0x12);
      const value = this.open();
      this.jsonValue((json as Record<string, Json>)[key]);
      this.close(value);
      this.close(entry);
    }
  }

  /** The content of a google.protobuf.Value for a JSON value (as protobuf-es converts it). */
  private jsonValue(json: Json | undefined): void {
    switch (typeof json) {
      case "number":
        this.byte(0x11);
        return this.double(json);
      case "string":
        this.byte(0x1a);
        return this.string(json);
      case "boolean":
        this.byte(0x20);
        return this.byte(json ? 1 : 0);
      case "undefined":
        return; // protobuf-es leaves the Value's kind unset
      case "object": {
        if (json === null) {
          this.byte(0x08);
          return this.byte(0);
        }
        if (Array.isArray(json)) {
          this.byte(0x32);
          const list = this.open();
          for (const item of json) {
            this.byte(0x0a);
            const start = this.open();
            this.jsonValue(item);
            this.close(start);
          }
          return this.close(list);
        }
        this.byte(0x2a);
        const start = this.open();
        this.struct(json);
        return this.close(start);
      }
      default:
        throw new Unsupported();
    }
  }

  private scalar(type: ScalarType | undefined, value: unknown): void {
    switch (type) {
      case ScalarType.STRING:
        if (typeof value !== "string") throw new Unsupported();
        return this.string(value);
      case ScalarType.BOOL:
        if (typeof value !== "boolean") throw new Unsupported();
        return this.byte(value ? 1 : 0);
      case ScalarType.DOUBLE:
        if (typeof value !== "number") throw new Unsupported();
        return this.double(value);
      case ScalarType.FLOAT:
        if (typeof value !== "number" || (Number.isFinite(value) && Math.abs(value) > 3.4028234663852886e38)) throw new Unsupported();
        this.room(4);
        this.pos = this.buf.writeFloatLE(value, this.pos);
        return;
      case ScalarType.BYTES:
        if (!(value instanceof Uint8Array)) throw new Unsupported();
        return this.bytes(value);
      case ScalarType.INT64:
      case ScalarType.UINT64:
        if (typeof value !== "bigint" || value < (type === ScalarType.INT64 ? -(2n ** 63n) : 0n) || value >= (type === ScalarType.INT64 ? 2n ** 63n : 2n ** 64n)) throw new Unsupported();
        return this.varint64(BigInt.asUintN(64, value));
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Unsupported();
        if (type === ScalarType.UINT32) return this.varint(value);
        this.room(4);
        this.pos = this.buf.writeUInt32LE(value, this.pos);
        return;
      default: {
        // INT32, SINT32, SFIXED32, enums
        if (typeof value !== "number" || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new Unsupported();
        if (type === ScalarType.SINT32) return this.varint(((value << 1) ^ (value >> 31)) >>> 0);
        if (type === ScalarType.SFIXED32) {
          this.room(4);
          this.pos = this.buf.writeInt32LE(value, this.pos);
          return;
        }
        return value >= 0 ? this.varint(value) : this.varint64(BigInt.asUintN(64, BigInt(value)));
      }
    }
  }

  /** Reserves one length byte; `close` fills it in (moving the content if the length needs more). */
  private open(): number {
    this.room(1);
    return this.pos++;
  }

  private close(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.room(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    let at = start;
    let rest = length;
    while (rest >= 0x80) {
      this.buf[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[at] = rest;
  }

  private string(value: string): void {
    if (value.length < 0x80 / 3) {
      // The UTF-8 length fits one length byte: write the text, then its length before it.
      this.room(1 + value.length * 3);
      const start = this.pos++;
      this.pos += this.buf.write(value, this.pos, "utf8");
      this.buf[start] = this.pos - start - 1;
      return;
    }
    const length = Buffer.byteLength(value, "utf8");
    this.varint(length);
    this.room(length);
    this.pos += this.buf.write(value, this.pos, length, "utf8");
  }

  private bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  private raw(value: Uint8Array): void {
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  private double(value: number): void {
    this.room(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  private byte(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value;
  }

  private varint(value: number): void {
    this.room(5);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  private varint64(value: bigint): void {
    this.room(10);
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  private room(bytes: number): void {
    if (this.buf.length - this.pos >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

function unsupported(): never {
  throw new Unsupported();
}

function isMessage(value: unknown): value is { $typeName: string } {
  return typeof value === "object" && value !== null && typeof (value as { $typeName?: unknown }).$typeName === "string";
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** protobuf-es's zero-value test for implicit-presence fields. */
function isZero(field: DescField, value: unknown): boolean {
  switch (field.fieldKind) {
    case "list":
      return (value as unknown[]).length === 0;
    case "map":
      return Object.keys(value as object).length === 0;
    case "enum":
      return value === field.enum.values[0]?.number;
    case "scalar":
      switch (field.scalar) {
        case ScalarType.STRING:
          return value === "";
        case ScalarType.BOOL:
          return value === false;
        case ScalarType.BYTES:
          return value instanceof Uint8Array && value.length === 0;
        case ScalarType.DOUBLE:
        case ScalarType.FLOAT:
          return Object.is(value, 0); // protobuf-es writes -0
        default:
          return value == 0; // eslint-disable-line eqeqeq -- numbers, bigints and "0" alike
      }
    default:
      return false;
  }
}
