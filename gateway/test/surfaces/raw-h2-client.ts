// A hostile HTTP/2 client on a raw socket: it writes frames as it pleases (ignoring the
// server's SETTINGS_MAX_CONCURRENT_STREAMS, resetting streams at once) and tallies what
// the server sends back. Node's own client cannot misbehave like this: it queues streams
// beyond the server's limit itself.
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const GOAWAY = 0x7;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;
/** RST_STREAM / GOAWAY codes (RFC 9113 §7). */
export const H2 = { NO_ERROR: 0, CANCEL: 0x8, REFUSED_STREAM: 0x7, ENHANCE_YOUR_CALM: 0xb } as const;

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK "literal header field without indexing, new name", no Huffman (RFC 7541 §6.2.2); short strings only. */
function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.length > 126 || value.length > 126)
      throw new Error("raw-h2-client: header too long for this tiny encoder");
    parts.push(
      Buffer.from([0x00, name.length]),
      Buffer.from(name, "latin1"),
      Buffer.from([value.length]),
      Buffer.from(value, "latin1"),
    );
  }
  return Buffer.concat(parts);
}

/** What the server sent on a RawH2Client's connection. */
export interface RawH2Tally {
  /** Response HEADERS frames (first and trailers alike), per stream id. */
  readonly headersOn: Set<number>;
  /** RST_STREAM codes received, by code. */
  readonly resets: Map<number, number>;
  /** The GOAWAY error code, once received. */
  goaway: number | undefined;
  /** True once the server closed the connection. */
  closed: boolean;
}

/** A raw HTTP/2 connection; see the file comment. */
export interface RawH2Client {
  readonly tally: RawH2Tally;
  /** Opens stream `id` (odd, increasing) with a POST of `body` to `path`. */
  post(id: number, path: string, contentType: string, body: string): void;
  /** Resets stream `id` with CANCEL. */
  reset(id: number): void;
  /** Resolves once the socket has written everything queued (or closed). */
  flushed(): Promise<void>;
  /** Resolves when the server closed the connection. */
  readonly closedByServer: Promise<void>;
  destroy(): void;
}

/** Connects to `url` (http://host:port) and sends the preface and an empty SETTINGS frame. */
export async function connectRawH2(url: string): Promise<RawH2Client> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  const tally: RawH2Tally = { headersOn: new Set(), resets: new Map(), goaway: undefined, closed: false };
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const type = pending[3] as number;
      const flags = pending[4] as number;
      const streamId = pending.readUInt32BE(5) & 0x7fffffff;
      const payload = pending.subarray(9, 9 + length);
      pending = pending.subarray(9 + length);
      if (type === SETTINGS && (flags & ACK) === 0) socket.write(frame(SETTINGS, ACK, 0));
      else if (type === HEADERS) tally.headersOn.add(streamId);
      else if (type === RST_STREAM) {
        const code = payload.readUInt32BE(0);
        tally.resets.set(code, (tally.resets.get(code) ?? 0) + 1);
      } else if (type === GOAWAY) tally.goaway = payload.readUInt32BE(4);
    }
  });
  const closedByServer = new Promise<void>((resolve) =>
    socket.once("close", () => {
      tally.closed = true;
      resolve();
    }),
  );
  socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]));
  const authority = `${hostname}:${port}`;
  return {
    tally,
    closedByServer,
    post(id, path, contentType, body) {
      if (socket.destroyed) return;
      const block = headerBlock({
        ":method": "POST",
        ":scheme": "http",
        ":authority": authority,
        ":path": path,
        "content-type": contentType,
      });
      socket.write(
        Buffer.concat([frame(HEADERS, END_HEADERS, id, block), frame(DATA, END_STREAM, id, Buffer.from(body))]),
      );
    },
    reset(id) {
      if (socket.destroyed) return;
      const code = Buffer.alloc(4);
      code.writeUInt32BE(H2.CANCEL);
      socket.write(frame(RST_STREAM, 0, id, code));
    },
    flushed: () =>
      new Promise((resolve) => {
        if (socket.destroyed || socket.writableLength === 0) return resolve();
        socket.once("drain", () => resolve());
        socket.once("close", () => resolve());
      }),
    destroy: () => socket.destroy(),
  };
}
