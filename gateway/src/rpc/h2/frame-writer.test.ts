// The frame writer's PING ACK hold on a real socket pair: ACKs wait for the next write, but
// never pile up (issue 17, chains: the hold grew from 1 to 100 ms).
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FrameWriter } from "./frame-writer.js";

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
