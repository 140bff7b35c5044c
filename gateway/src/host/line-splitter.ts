/** Default longest line kept whole; longer lines are cut into pieces of this size (go-plugin: 64 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;

/** Lets a flooded reader drop whole chunks unsplit (see PluginLogSink.overBudget). */
export interface DropGate {
  overBudget(): boolean;
  dropChunk(lines: number, chunk: Uint8Array): void;
}

/** Newlines in `buffer`, counted natively (no string, no per-line work). */
function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(0x0a); at !== -1; at = buffer.indexOf(0x0a, at + 1)) count++;
  return count;
}

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of an
 * unfinished line. Lines longer than that come out in pieces flagged `partial`. With a
 * `gate` that is over budget, a chunk is dropped whole: its lines are only counted.
 */
export function createLineSplitter(
  onLine: (line: string, partial: boolean) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
  gate?: DropGate,
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
      if (gate?.overBudget()) {
        const lines = countNewlines(buffer);
        if (lines > 0) {
          // The unfinished line ends in this chunk and is dropped with it; what follows the
          // last newline starts the next line.
          gate.dropChunk(lines, buffer);
          pending = [];
          pendingBytes = 0;
          inLongLine = false;
          buffer = buffer.subarray(buffer.lastIndexOf(0x0a) + 1);
          if (buffer.length === 0) return;
        }
      }
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
