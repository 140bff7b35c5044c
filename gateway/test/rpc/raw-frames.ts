// Byte-level helpers the HTTP/2 and gRPC framing tests share: frames laid out by hand (independently of
// rpc/h2's FrameWriter) and byte streams cut into arbitrary chunks.

/** A frame as RFC 9113 §4.1 lays it out: 24-bit length, type, flags, 31-bit stream id, payload. */
export function rawFrame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** Splits `bytes` at the given cut points (any order, duplicates allowed, taken modulo length + 1). */
export function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}
