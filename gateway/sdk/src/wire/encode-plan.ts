/**
 * What fastToBinary writes for a schema: its fields in number order with precomputed tags, or
 * null when the schema is out of scope (protobuf-es then encodes it); and protobuf-es's
 * presence rule for implicit-presence fields.
 */
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { scalarWireType, tag, WireType } from "./tag.js";

const PROTO3 = 999; // Edition.EDITION_PROTO3
const IMPLICIT = 2; // FeatureSet_FieldPresence.IMPLICIT
const SUPPORTED_SCALARS = new Set<number>([
  ScalarType.STRING,
  ScalarType.BOOL,
  ScalarType.DOUBLE,
  ScalarType.FLOAT,
  ScalarType.INT32,
  ScalarType.UINT32,
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.BYTES,
  ScalarType.SINT32,
  ScalarType.FIXED32,
  ScalarType.SFIXED32,
]);

// protobuf-es unboxes these to primitives in singular fields; left to it.
const WRAPPERS = new Set(
  [
    "DoubleValue",
    "FloatValue",
    "Int64Value",
    "UInt64Value",
    "Int32Value",
    "UInt32Value",
    "BoolValue",
    "StringValue",
    "BytesValue",
  ].map((name) => `google.protobuf.${name}`),
);
const MAP_KEYS = new Set<number>([ScalarType.STRING, ScalarType.INT32, ScalarType.BOOL]);

/** How one field is written. */
export interface FieldPlan {
  readonly field: DescField;
  readonly name: string;
  readonly oneof: string | undefined;
  readonly implicit: boolean;
  /** Tag bytes for the field's number with wire type 2 (length-delimited), and with its scalar wire type. */
  readonly lenTag: number;
  readonly scalarTag: number;
}

const plans = new WeakMap<DescMessage, readonly FieldPlan[] | null>();

/**
 * The fields of `schema` in the order protobuf-es writes them (by number), or null when the schema
 * (or a message it contains) is out of fastToBinary's scope: not proto3, 64-bit fixed/zigzag
 * numbers, groups, wrapper types (which protobuf-es unboxes), unusual map keys. Cached per schema.
 */
export function planOf(schema: DescMessage, visiting = new Set<DescMessage>()): readonly FieldPlan[] | null {
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
      !(
        field.fieldKind === "map" &&
        (!MAP_KEYS.has(field.mapKey) || (field.mapKind === "scalar" && !SUPPORTED_SCALARS.has(scalar)))
      ) &&
      (message === undefined || !WRAPPERS.has(message.typeName)) &&
      (message === undefined || planOf(message, visiting) !== null);
    if (!ok) plan = null;
    else
      plan.push({
        field,
        name: field.localName,
        oneof: field.oneof?.localName,
        implicit: field.presence === IMPLICIT,
        lenTag: tag(field.number, WireType.LengthDelimited),
        scalarTag: tag(field.number, scalarWireType(scalar)),
      });
  }
  visiting.delete(schema);
  plans.set(schema, plan);
  return plan;
}

/** protobuf-es's zero-value test for implicit-presence fields. */
export function isZero(field: DescField, value: unknown): boolean {
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
          // biome-ignore lint/suspicious/noDoubleEquals: numbers, bigints and "0" alike
          return value == 0;
      }
    default:
      return false;
  }
}
