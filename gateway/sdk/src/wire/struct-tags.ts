/**
 * The tags of google/protobuf/struct.proto's fields, taken from protobuf-es's descriptors: what the
 * Struct encoders write for a JSON object (Struct.fields map entries), a JSON value (Value's
 * kinds) and a JSON array (ListValue.values).
 */
import { ListValueSchema, StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { MAP_ENTRY_KEY, MAP_ENTRY_VALUE, tag, WireType } from "./tag.js";

/** Struct.fields: one length-delimited map entry per key. */
export const STRUCT_FIELDS = tag(StructSchema.field.fields.number, WireType.LengthDelimited);
/** A Struct.fields entry's key (a string). */
export const ENTRY_KEY = tag(MAP_ENTRY_KEY, WireType.LengthDelimited);
/** A Struct.fields entry's value (a Value message). */
export const ENTRY_VALUE = tag(MAP_ENTRY_VALUE, WireType.LengthDelimited);
/** Value.null_value (the enum's only value, 0). */
export const VALUE_NULL = tag(ValueSchema.field.nullValue.number, WireType.Varint);
/** Value.number_value (a double). */
export const VALUE_NUMBER = tag(ValueSchema.field.numberValue.number, WireType.Bit64);
/** Value.string_value. */
export const VALUE_STRING = tag(ValueSchema.field.stringValue.number, WireType.LengthDelimited);
/** Value.bool_value. */
export const VALUE_BOOL = tag(ValueSchema.field.boolValue.number, WireType.Varint);
/** Value.struct_value (a Struct message). */
export const VALUE_STRUCT = tag(ValueSchema.field.structValue.number, WireType.LengthDelimited);
/** Value.list_value (a ListValue message). */
export const VALUE_LIST = tag(ValueSchema.field.listValue.number, WireType.LengthDelimited);
/** ListValue.values: one length-delimited Value per item. */
export const LIST_VALUES = tag(ListValueSchema.field.values.number, WireType.LengthDelimited);
