/**
 * Field tags: a field's number and wire type in one varint. The wire types are protobuf-es's
 * `WireType` (varint, 64-bit, length-delimited, 32-bit), so hand-written encoders and protobuf-es
 * name them the same way.
 */
import { ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";

export { WireType };

/** A map entry's key field: map<K, V> is written as repeated entries `{ K key = 1; V value = 2; }`. */
export const MAP_ENTRY_KEY = 1;
/** A map entry's value field. */
export const MAP_ENTRY_VALUE = 2;

/** The tag of field `fieldNo` with `wireType` (number << 3 | type); one byte for fields 1 to 15. */
export function tag(fieldNo: number, wireType: WireType): number {
  return (fieldNo << 3) | wireType;
}

/** The wire type a scalar (or enum, as INT32) is written with. */
export function scalarWireType(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    default:
      return WireType.Varint;
  }
}
