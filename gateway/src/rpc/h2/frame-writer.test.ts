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
