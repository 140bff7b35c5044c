// rpc/h2's connect(): what the host waits on at start-up instead of grpc-js waitForReady.
import http2 from "node:http2";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createH2UnaryTransport } from "../../src/rpc/h2/unary-transport.js";
import { runModuleScript } from "./module-script.js";
import { socketPath, startTestServer, tlsPair } from "./test-server.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("rpc/h2 connect()", () => {
  it("resolves once a gRPC server answered, plaintext and AutoMTLS; connecting again reuses the open connection", async () => {
    const pair = await tlsPair();
    for (const tls of [undefined, pair]) {
      const server = await startTestServer("unix", tls?.server);
      cleanups.push(() => server.stop());
      const transport = createH2UnaryTransport({
        listen: server.listen,
        tls: tls?.client,
        maxMessageBytes: 1024 * 1024,
      });
      cleanups.push(() => transport.close());
      await transport.connect();
      await expect(transport.connect()).resolves.toBeUndefined(); // the same, already open connection
    }
  });

  it("rejects when the peer does not speak HTTP/2 or nothing listens", async () => {
    const address = socketPath();
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    await new Promise<void>((resolve) => silent.listen(address, resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const transport = createH2UnaryTransport({
      listen: { network: "unix", address },
      tls: undefined,
      maxMessageBytes: 1024,
    });
    cleanups.push(() => transport.close());
    await expect(transport.connect()).rejects.toThrow();
    const nobody = createH2UnaryTransport({
      listen: { network: "unix", address: socketPath() },
      tls: undefined,
      maxMessageBytes: 1024,
    });
    await expect(nobody.connect()).rejects.toMatchObject({ code: "ENOENT" });
    nobody.close();
    await expect(nobody.connect()).rejects.toThrow(/closed/);
  });

  it("rejects when the server does not trust our certificate (AutoMTLS with the wrong pair)", async () => {
    const [right, wrong] = [await tlsPair(), await tlsPair()];
    const server = await startTestServer("unix", right.server);
    cleanups.push(() => server.stop());
    const transport = createH2UnaryTransport({
      listen: server.listen,
      tls: { ...wrong.client, peerCertPem: right.server.certPem },
      maxMessageBytes: 1024,
    });
    cleanups.push(() => transport.close());
    await expect(transport.connect()).rejects.toThrow();
  });

  it("an opened but idle connection does not keep the process alive", async () => {
    const address = socketPath();
    const h2 = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    h2.on("session", (session) => sessions.push(session));
    await new Promise<void>((resolve) => h2.listen(address, resolve));
    cleanups.push(() => {
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => h2.close(resolve));
    });
    const script = `
      const { createH2UnaryTransport } = await import(${JSON.stringify(new URL("../../dist/rpc/h2/unary-transport.js", import.meta.url).pathname)});
      const t = createH2UnaryTransport({ listen: { network: "unix", address: ${JSON.stringify(address)} }, tls: undefined, maxMessageBytes: 1024 });
      await t.connect();
      console.log("connected");`;
    const { out, code } = await runModuleScript(script, cleanups);
    expect(out.trim()).toBe("connected");
    expect(code).toBe(0);
  }, 15_000);
});
