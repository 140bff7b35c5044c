// The admin port authenticates from the headers, before it reads a body, and caps each
// method's body before and after decompression (issue 12: 12 unauthenticated 50 MiB gzip
// requests took the gateway from 178 MB to 934 MB RSS).
import http2 from "node:http2";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminFixture, type AdminFixture } from "./admin-harness.js";

let fx: AdminFixture;
beforeAll(async () => {
  fx = await startAdminFixture();
});
afterAll(async () => {
  await fx?.close();
});

const MiB = 1024 * 1024;

interface RawOutcome {
  readonly head: string;
  readonly body: string;
  /** Body bytes the socket accepted before the server closed it. */
  readonly bodyBytesWritten: number;
  readonly closedEarly: boolean;
}

/**
 * Sends an HTTP/1.1 request declaring `declared` body bytes, writes `firstChunk`, waits for
 * the answer, then tries to write the rest of the declared body in 1 MiB chunks.
 */
function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  declared: number,
  firstChunk: Buffer,
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let response = "";
    let written = 0;
    let closed = false;
    let answered: (() => void) | undefined;
    const answer = new Promise<void>((done) => (answered = done));
    socket.on("data", (chunk: Buffer) => {
      response += chunk.toString("latin1");
      if (response.includes("\r\n\r\n")) answered?.();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      answered?.();
    });
    const write = (chunk: Buffer) =>
      new Promise<boolean>((done) => {
        if (closed || socket.destroyed) return done(false);
        socket.write(chunk, (error) => {
          if (!error) written += chunk.length;
          done(!error);
        });
      });
    const lines = [
      `POST ${path} HTTP/1.1`,
      "host: 127.0.0.1",
      `content-length: ${declared}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ];
    socket.write(lines.join("\r\n"));
    void (async () => {
      await write(firstChunk);
      await answer;
      const filler = Buffer.alloc(MiB);
      while (written < declared && (await write(filler.subarray(0, Math.min(MiB, declared - written))))) {
        /* keep pushing until the server's close stops us */
      }
      const [head = "", body = ""] = response.split("\r\n\r\n");
      resolve({ head, body, bodyBytesWritten: written, closedEarly: written < declared });
      socket.destroy();
    })().catch(reject);
  });
}

describe("admin port: authentication before the body", () => {
  it("refuses 12 unauthenticated 50 MiB gzip InstallPlugin requests from their headers, without reading the bodies", async () => {
    const port = Number(new URL(fx.admin.url).port);
    const bomb = gzipSync(Buffer.alloc(8 * MiB)); // the start of a 50 MiB gzip body
    const before = process.memoryUsage().rss;
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        rawRequest(
          port,
          "/polyplug.v1.Admin/InstallPlugin",
          { "content-type": "application/proto", "content-encoding": "gzip", "connect-protocol-version": "1" },
          50 * MiB,
          bomb,
        ),
      ),
    );
    const after = process.memoryUsage().rss;
    console.info(
      `[admin-gate] RSS before ${(before / MiB).toFixed(0)} MiB, after 12 unauthenticated 50 MiB requests ${(after / MiB).toFixed(0)} MiB`,
    );
    for (const outcome of outcomes) {
      expect(outcome.head).toMatch(/^HTTP\/1\.1 401 /);
      expect(outcome.head.toLowerCase()).toContain("connection: close");
      expect(JSON.parse(outcome.body)).toMatchObject({ code: "unauthenticated" });
      // The server closed the connection instead of reading the other ~50 MiB.
      expect(outcome.closedEarly).toBe(true);
      expect(outcome.bodyBytesWritten).toBeLessThan(50 * MiB);
      // Unauthenticated callers do not learn where the token lives.
      expect(outcome.body).not.toContain(fx.dataDir);
      expect(outcome.body).not.toContain(fx.token.file);
    }
  });

  it("refuses a wrong token the same way, and never names the token file", async () => {
    const response = await fetch(`${fx.admin.url}/polyplug.v1.Admin/ListPlugins`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${"0".repeat(64)}` },
      body: "{}",
    });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      code: "unauthenticated",
      message: expect.stringContaining("the admin token is wrong"),
    });
    expect(text).not.toContain(fx.dataDir);
  });

  it("answers gRPC callers with a trailers-only UNAUTHENTICATED status", async () => {
    const port = Number(new URL(fx.admin.url).port);
    const outcome = await rawRequest(
      port,
      "/polyplug.v1.Admin/GetStatus",
      { "content-type": "application/grpc-web+proto" },
      5,
      Buffer.alloc(5),
    );
    expect(outcome.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(outcome.head).toMatch(/grpc-status: 16/);
  });
});

describe("admin port over HTTP/2 (gRPC)", () => {
  it("answers an unauthenticated gRPC call with UNAUTHENTICATED and resets the stream instead of reading its 50 MiB", async () => {
    const session = http2.connect(fx.admin.url);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/polyplug.v1.Admin/InstallPlugin",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => undefined);
      const headers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on("response", resolve));
      let written = 0;
      const chunk = Buffer.alloc(MiB);
      const closed = new Promise<void>((resolve) => stream.on("close", resolve));
      void (async () => {
        while (written < 50 * MiB && !stream.destroyed && !stream.closed) {
          if (!stream.write(chunk))
            await Promise.race([new Promise((resolve) => stream.once("drain", resolve)), closed]);
          written += MiB;
        }
      })();
      expect(await headers).toMatchObject({ "grpc-status": "16" });
      await closed;
      expect(written).toBeLessThan(50 * MiB);
    } finally {
      session.close();
    }
  });
});

describe("admin port: body limits per method", () => {
  const auth = () => ({ authorization: `Bearer ${fx.token.token}` });

  it("refuses a declared body over the method's limit before reading it (GetStatus: 64 KiB)", async () => {
    const port = Number(new URL(fx.admin.url).port);
    const outcome = await rawRequest(
      port,
      "/polyplug.v1.Admin/GetStatus",
      { "content-type": "application/json", ...auth() },
      10 * MiB,
      Buffer.from("{"),
    );
    expect(outcome.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(JSON.parse(outcome.body)).toMatchObject({
      code: "resource_exhausted",
      message: expect.stringContaining("GetStatus accepts at most 65536 bytes"),
    });
    expect(outcome.closedEarly).toBe(true);
  });

  it("caps a chunked body without Content-Length at the method's limit", async () => {
    const big = JSON.stringify({ pluginId: "x".repeat(200 * 1024) });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(`${fx.admin.url}/polyplug.v1.Admin/GetPlugin`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth() },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("caps the decompressed size too: a small gzip bomb to SetConfig is refused, nothing changes", async () => {
    const config = { pluginId: "p.alpha", config: { mode: "reject", pad: "x".repeat(20 * MiB) } };
    const bomb = gzipSync(Buffer.from(JSON.stringify(config)));
    expect(bomb.length).toBeLessThan(MiB);
    const response = await fetch(`${fx.admin.url}/polyplug.v1.Admin/SetConfig`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip", ...auth() },
      body: bomb,
    });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ code: "resource_exhausted" });
    expect(fx.gateway.getConfig("p.alpha")).not.toHaveProperty("pad");
  });
});
