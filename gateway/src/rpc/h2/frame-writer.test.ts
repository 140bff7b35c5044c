// The frame writer's PING ACK hold on a real socket pair: ACKs wait for the next write, but
// never pile up (issue 17, chains: the hold grew from 1 to 100 ms).
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FrameWriter } from "./frame-writer.js";
import { rawFrame } from "../../../test/rpc/raw-frames.js";

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** A connected TCP client socket (its server end discards what it reads). */
async function connectedSocket(): Promise<net.Socket> {
  const server = net.createServer((peer) => {
    sockets.push(peer);
    peer.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, "127.0.0.1");
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  server.close();
  return socket;
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
const ping = (n: number) => Buffer.from(String(n).padStart(8, "0"));

describe("FrameWriter PING ACKs", () => {
  it("holds a few ACKs for the next write, and those go after its frames", async () => {
    const socket = await connectedSocket();
    const write = vi.spyOn(socket, "write");
    const writer = new FrameWriter(socket);
    for (let i = 0; i < 15; i++) writer.pingAck(ping(i));
    await nextMacrotask();
    expect(write).not.toHaveBeenCalled();
    writer.frame32(3, 1, 8); // RST_STREAM: any frame
    await nextMacrotask();
    expect(write).toHaveBeenCalledTimes(1);
    const bytes = write.mock.calls[0]![0] as Buffer;
    expect(bytes.length).toBe(13 + 15 * 17);
    expect(bytes[3]).toBe(3); // the frame first, then the ACKs
    expect(bytes.subarray(13 + 14 * 17 + 9, 13 + 15 * 17).toString()).toBe("00000014");
  });

  it("sends the ACKs at once when 16 are held (a peer PINGing in a flood)", async () => {
    const socket = await connectedSocket();
    const write = vi.spyOn(socket, "write");
    const writer = new FrameWriter(socket);
    for (let i = 0; i < 16; i++) writer.pingAck(ping(i));
    await nextMacrotask();
    expect(write).toHaveBeenCalledTimes(1);
    expect((write.mock.calls[0]![0] as Buffer).length).toBe(16 * 17);
  });
});

describe("FrameWriter batching", () => {
  it("writes the frames queued in separate ticks of one I/O phase once, at the end of the phase", async () => {
    // The public API starts each call from its own HTTP connection's callback, each followed
    // by its own next-tick queue: a flush per tick wrote once (and woke the plugin) per call.
    const socket = await connectedSocket();
    const write = vi.spyOn(socket, "write");
    const writer = new FrameWriter(socket);
    writer.frame32(3, 1, 8);
    await new Promise((resolve) => process.nextTick(resolve));
    await Promise.resolve();
    writer.frame32(3, 3, 8);
    expect(write).not.toHaveBeenCalled();
    await nextMacrotask();
    expect(write).toHaveBeenCalledTimes(1);
    const bytes = write.mock.calls[0]![0] as Buffer;
    expect(bytes.length).toBe(2 * 13);
    expect([bytes.readUInt32BE(5), bytes.readUInt32BE(13 + 5)]).toEqual([1, 3]);
  });

  it("an explicit flush writes at once and the pending end-of-phase flush then writes nothing more", async () => {
    const socket = await connectedSocket();
    const write = vi.spyOn(socket, "write");
    const writer = new FrameWriter(socket);
    writer.frame32(3, 1, 8);
    writer.flush();
    expect(write).toHaveBeenCalledTimes(1);
    await nextMacrotask();
    expect(write).toHaveBeenCalledTimes(1);
  });
});

/** A client socket on a Unix socket (small kernel buffers: a peer that stops reading soon makes the socket queue) and its peer, paused. */
async function unixPair(): Promise<{ socket: net.Socket; peer: net.Socket; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-frame-writer-"));
  const file = path.join(dir, "s");
  const peerReady = new Promise<net.Socket>((resolve) => {
    const server = net.createServer((peer) => {
      peer.pause();
      sockets.push(peer);
      server.close();
      resolve(peer);
    });
    server.listen(file);
  });
  await new Promise((resolve) => setImmediate(resolve));
  const socket = net.connect(file);
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  return { socket, peer: await peerReady, dir };
}

/** Starts reading `peer`; `until(n)` resolves with everything read once `n` bytes have arrived. */
function reader(peer: net.Socket): { until(total: number): Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let got = 0;
  let waiting: { total: number; resolve: (bytes: Buffer) => void } | undefined;
  const check = () => {
    if (waiting && got >= waiting.total) waiting.resolve(Buffer.concat(chunks));
  };
  peer.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    got += chunk.length;
    check();
  });
  peer.resume();
  return {
    until: (total) =>
      new Promise((resolve) => {
        waiting = { total, resolve };
        check();
      }),
  };
}

/** `length` bytes no other payload of a run has (so a payload overwritten by another shows). */
function pattern(seed: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7 + (i >>> 8)) & 0xff;
  return bytes;
}

type Op =
  | { kind: "frame"; streamId: number; length: number }
  | { kind: "data"; streamId: number; prefix: number; length: number; end: boolean }
  | { kind: "grpc"; streamId: number; length: number }
  | { kind: "rst"; streamId: number }
  | { kind: "headers"; streamId: number; length: number }
  | { kind: "phase" }
  | { kind: "flush" }
  | { kind: "resume" };

const streamId = fc.integer({ min: 1, max: 2 ** 31 - 1 });
// Sizes around the copy limit (4 KiB) and the slab sizes (1–64 KiB), most of them small.
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) },
  { weight: 2, arbitrary: fc.integer({ min: 3000, max: 5000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 70_000 }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("frame" as const), streamId, length: size }) },
  // More than the kernel buffers of a Unix socket: with the peer not reading, the socket queues.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("frame" as const),
      streamId,
      length: fc.integer({ min: 250_000, max: 400_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("data" as const),
      streamId,
      prefix: fc.constantFrom(0, 5),
      length: size,
      end: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("grpc" as const), streamId, length: size }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rst" as const), streamId }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("headers" as const), streamId, length: size }) },
  { weight: 3, arbitrary: fc.constant({ kind: "phase" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "flush" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "resume" as const }) },
);

describe("FrameWriter slab", () => {
  it("never corrupts a frame: every byte arrives as encoded, in order, whether the socket takes each flush or queues it", async () => {
    // The slab is reused or let go after a flush the socket took whole; a peer that stops
    // reading makes the socket queue the slab's bytes, which then must stay untouched.
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 120 }), async (ops) => {
        const { socket, peer, dir } = await unixPair();
        try {
          const writer = new FrameWriter(socket);
          const expected: Buffer[] = [];
          let reading: ReturnType<typeof reader> | undefined;
          for (const [seed, step] of ops.entries()) {
            if (step.kind === "phase") await nextMacrotask();
            else if (step.kind === "flush") writer.flush();
            else if (step.kind === "resume") reading ??= reader(peer);
            else if (step.kind === "rst") {
              writer.frame32(3, step.streamId, seed);
              const value = Buffer.alloc(4);
              value.writeUInt32BE(seed);
              expected.push(rawFrame(3, 0, step.streamId, value));
            } else if (step.kind === "frame") {
              const payload = pattern(seed, step.length);
              writer.frame(0x0, 0x1, step.streamId, payload);
              expected.push(rawFrame(0x0, 0x1, step.streamId, payload));
            } else if (step.kind === "grpc") {
              const message = pattern(seed, step.length);
              writer.grpcMessage(step.streamId, message);
              const prefix = Buffer.from([0, 0, 0, 0, 0]);
              prefix.writeUInt32BE(step.length, 1);
              expected.push(rawFrame(0x0, 0x1, step.streamId, Buffer.concat([prefix, message])));
            } else if (step.kind === "data") {
              const prefix = step.prefix ? pattern(seed + 1_000_000, step.prefix) : undefined;
              const body = pattern(seed, step.length);
              writer.data(step.streamId, step.end, prefix, body);
              const payload = prefix ? Buffer.concat([prefix, body]) : body;
              expected.push(rawFrame(0x0, step.end ? 0x1 : 0, step.streamId, payload));
            } else {
              const block = pattern(seed, step.length);
              writer.headers(step.streamId, block, 16_384);
              // HEADERS, then CONTINUATIONs of at most 16 KiB each; END_HEADERS on the last.
              for (let at = 0, type = 0x1; ; at += 16_384, type = 0x9) {
                const end = Math.min(block.length, at + 16_384);
                expected.push(rawFrame(type, end === block.length ? 0x4 : 0, step.streamId, block.subarray(at, end)));
                if (end === block.length) break;
              }
            }
          }
          writer.flush();
          const want = Buffer.concat(expected);
          reading ??= reader(peer);
          const got = await reading.until(want.length);
          expect(got.length).toBe(want.length);
          expect(got.equals(want)).toBe(true);
        } finally {
          for (const socket of sockets.splice(0)) socket.destroy();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it("reuses its slab while busy, lets a grown one go after a small flush, and keeps it while the socket queues its bytes", async () => {
    const { socket, peer, dir } = await unixPair();
    try {
      const writer = new FrameWriter(socket);
      writer.frame32(3, 1, 8);
      await nextMacrotask();
      expect(writer.slabBytes).toBe(1024); // a first-size slab stays, reused
      for (let i = 0; i < 200; i++) writer.frame(0x0, 0, 1, pattern(i, 100)); // ~22 KiB in one I/O phase
      expect(writer.slabBytes).toBeGreaterThan(1024);
      await nextMacrotask();
      expect(socket.writableLength).toBe(0);
      writer.frame32(3, 1, 8); // a flush that needs little of it: the grown slab goes
      await nextMacrotask();
      expect(writer.slabBytes).toBe(0);
      // A peer that does not read: the socket queues, and the slab holding the queued bytes stays.
      while (socket.writableLength === 0) {
        for (let i = 0; i < 100; i++) writer.frame(0x0, 0, 1, pattern(i, 1000));
        await nextMacrotask();
      }
      expect(writer.slabBytes).toBeGreaterThan(1024);
      writer.frame32(3, 1, 8);
      await nextMacrotask();
      expect(writer.slabBytes).toBeGreaterThan(1024);
      const drained = new Promise<void>((resolve) => socket.once("drain", resolve));
      reader(peer);
      await drained;
      for (let i = 0; i < 2; i++) {
        writer.frame32(3, 1, 8); // once the socket takes flushes whole again, a small one lets it go
        await nextMacrotask();
      }
      expect(socket.writableLength).toBe(0);
      expect(writer.slabBytes).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
