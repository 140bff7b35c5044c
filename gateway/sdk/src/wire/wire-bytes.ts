/**
 * Messages whose wire bytes were already written by a builder of this folder (the
 * InterceptRequests of a chain): fastToBinary sends those bytes instead of walking the
 * message again. Only for messages that are never changed after they were built; the
 * message keeps its fields (as unknown fields), so protobuf-es's toBinary writes the same bytes.
 * A symbol-keyed property, not a WeakMap: one short-lived key per chain step made every
 * scavenge pay for the ephemerons (3× slower per step, measured).
 */
const WIRE_BYTES = Symbol("polyplug.wireBytes");

interface Written {
  [WIRE_BYTES]?: Uint8Array;
}

/** Records `bytes` as the wire form of `message` (which must not change afterwards); returns `message`. */
export function withWireBytes<T extends object>(message: T, bytes: Uint8Array): T {
  (message as Written)[WIRE_BYTES] = bytes;
  return message;
}

/** The wire bytes recorded for `message` by withWireBytes, if any. */
export function wireBytesOf(message: object): Uint8Array | undefined {
  return (message as Written)[WIRE_BYTES];
}
