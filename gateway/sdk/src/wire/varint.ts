/**
 * Protobuf base-128 varints for non-negative integers up to 2^53 (lengths, tags, uint32 values,
 * Timestamp seconds): the one varint writer and size function every hand-written encoder uses.
 * 64-bit values given as bigints are ProtoWriter.varint64's concern.
 */

/** How many bytes `value` (a non-negative safe integer) takes as a varint: 1 to 8. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let rest = Math.floor(value / 0x800000000); rest > 0; rest = Math.floor(rest / 128)) size++;
  return size;
}

/**
 * Writes `value` (a non-negative safe integer) as a varint into `buffer` at `at`, which must
 * have room for varintSize(value) bytes; returns the position after it.
 */
export function writeVarint(buffer: Uint8Array, at: number, value: number): number {
  // Above 32 bits the bitwise operators would truncate: divide until it fits.
  while (value > 0xffffffff) {
    buffer[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  while (value >= 0x80) {
    buffer[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[at++] = value;
  return at;
}
