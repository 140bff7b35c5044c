/** Default longest line kept whole; longer lines are cut into pieces of this size (go-plugin: 64 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of an
 * unfinished line. Lines longer than that come out in pieces flagged `partial`.
 */
export function createLineSplitter(
  onLine: (line: string, partial: boolean) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
): { push(chunk: Uint8Array): void; end(): void } {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let inLongLine = false;

  const emit = (bytes: Buffer, partial: boolean) => onLine(bytes.toString("utf8").replace(/\r$/, ""), partial);
  const flushPending = (partial: boolean) => {
    if (pendingBytes === 0 && !inLongLine) return;
    emit(Buffer.concat(pending, pendingBytes), partial);
    pending = [];
    pendingBytes = 0;
  };

  return {
    push(chunk) {
      let buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (;;) {
        const newline = buffer.indexOf(0x0a);
        const piece = newline === -1 ? buffer : buffer.subarray(0, newline);
        let offset = 0;
        while (pendingBytes + (piece.length - offset) > maxLineBytes) {
          const take = maxLineBytes - pendingBytes;
          pending.push(piece.subarray(offset, offset + take));
          pendingBytes += take;
          offset += take;
          flushPending(true);
          inLongLine = true;
        }
        if (offset < piece.length) {
          pending.push(Buffer.from(piece.subarray(offset)));
          pendingBytes += piece.length - offset;
        }
        if (newline === -1) return;
        if (pendingBytes > 0 || !inLongLine) flushPending(inLongLine);
        inLongLine = false;
        buffer = buffer.subarray(newline + 1);
      }
    },
    end() {
      if (pendingBytes > 0) flushPending(inLongLine);
    },
  };
}
