// The public server's admission control over real sockets: the HTTP/2 stream cap,
// rapid-reset GOAWAY, connection caps, header / body / idle timeouts, the in-flight limit
// with its short queue answering resource_exhausted at once, and the WebSocket cap.
// Repros of issue #11 (4000 streams on one connection, 20,000 rapid resets, 1,000 slow
// bodies). No assertion on time: every wait is on an event or a counter.
import http2 from "node:http2";
import net from "node:net";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { InterceptVerdict } from "../../src/dispatch/dispatcher.js";
import { Gateway } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import { startPublicServer, type PublicServer, type PublicServerOptions } from "../../src/surfaces/public-server.js";
import { FakeDispatcher } from "./fake-dispatcher.js";
import { describeResponse, rawRequest } from "./raw-http.js";
import { connectRawH2, H2 } from "./raw-h2-client.js";

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";
const BODY = JSON.stringify({ topic: "message.will_be_posted", payload: { message: "hello" } });
const servers: PublicServer[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A dispatcher whose Intercept calls wait until `open()`; it records how many ran at once. */
function gatedDispatcher() {
  const dispatcher = new FakeDispatcher();
  let running = 0;
  let peak = 0;
  let waiters: (() => void)[] = [];
  let opened = false;
  dispatcher.onIntercept = async (_topic, payload, options) => {
    running++;
    peak = Math.max(peak, running);
    if (!opened) await new Promise<void>((resolve) => waiters.push(resolve));
    running--;
    return {
      requestId: options?.requestId ?? "r",
      allowed: true,
      payload,
      modified: false,
      steps: [],
    } satisfies InterceptVerdict;
  };
  return {
    dispatcher,
    running: () => running,
    peak: () => peak,
    open() {
      opened = true;
      for (const waiter of waiters) waiter();
      waiters = [];
    },
  };
}

async function start(
  options: Partial<PublicServerOptions> & Pick<PublicServerOptions, "dispatcher">,
): Promise<PublicServer> {
  const server = await startPublicServer({ port: 0, ...options });
  servers.push(server);
  return server;
}

function h2Session(url: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url);
  session.on("error", () => {});
  cleanups.push(() => session.destroy());
  return new Promise((resolve) => session.once("remoteSettings", () => resolve(session)));
}

/** One Connect JSON Intercept on `session`: status, retry-after and body. */
function intercept(
  session: http2.ClientHttp2Session,
  contentType = "application/json",
): Promise<{ status: number; retryAfter?: string; grpcStatus?: string; body: string }> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": INTERCEPT, "content-type": contentType });
    let head: http2.IncomingHttpHeaders = {};
    let body = "";
    stream.on("response", (headers) => (head = headers));
    stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
    stream.on("close", () =>
      resolve({
        status: Number(head[":status"] ?? 0),
        ...(head["retry-after"] ? { retryAfter: String(head["retry-after"]) } : {}),
        ...(head["grpc-status"] ? { grpcStatus: String(head["grpc-status"]) } : {}),
        body,
      }),
    );
    stream.on("error", () => {});
    stream.end(BODY);
  });
}

describe("HTTP/2 streams", () => {
  it("4000 Intercept streams on one connection: the cap is advertised, plugins see at most maxInFlight, the excess is answered 429 at once", async () => {
    const gate = gatedDispatcher();
    const server = await start({ dispatcher: gate.dispatcher, limits: { maxInFlight: 8, maxQueued: 16 } });
    const session = await h2Session(server.url);
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100);
    const answers = Array.from({ length: 4000 }, () => intercept(session));
    // 100 streams reach the server (Node's client queues the rest itself): 8 run, 16 wait, 76 are shed.
    await expect.poll(() => server.stats().calls.shed.queue_full, { timeout: 20_000 }).toBeGreaterThanOrEqual(76);
    expect(gate.running()).toBe(8);
    expect(server.stats().calls.queued).toBe(16);
    gate.open();
    const results = await Promise.all(answers);
    const shed = results.filter((r) => r.status === 429);
    const ok = results.filter((r) => r.status === 200);
    expect(shed.length + ok.length).toBe(4000);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed[0]).toMatchObject({ retryAfter: "1" });
    expect(JSON.parse(shed[0]?.body ?? "{}")).toMatchObject({ code: "resource_exhausted" });
    expect(gate.peak()).toBeLessThanOrEqual(8);
    expect(server.stats().calls).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("a client that ignores the stream cap has the excess streams refused, then its connection closed with GOAWAY", async () => {
    const gate = gatedDispatcher();
    const server = await start({ dispatcher: gate.dispatcher, limits: { maxInFlight: 1000, maxQueued: 1000 } });
    const client = await connectRawH2(server.url);
    cleanups.push(() => client.destroy());
    for (let i = 0; i < 4000 && !client.tally.closed; i++) {
      client.post(2 * i + 1, INTERCEPT, "application/json", BODY);
      if (i % 200 === 199) await client.flushed();
    }
    await client.closedByServer;
    // nghttp2 refuses streams past the advertised cap; Node closes the session after 100 of them
    // (maxSessionRejectedStreams) with GOAWAY INTERNAL_ERROR.
    const refused =
      (client.tally.resets.get(H2.REFUSED_STREAM) ?? 0) + (client.tally.resets.get(H2.ENHANCE_YOUR_CALM) ?? 0);
    expect(refused).toBeGreaterThan(0);
    expect(client.tally.goaway).toBeDefined();
    expect(gate.peak()).toBeLessThanOrEqual(100);
    gate.open();
  });

  it("20,000 rapid resets: GOAWAY ENHANCE_YOUR_CALM and the connection is closed, memory stays bounded", async () => {
    const gate = gatedDispatcher();
    const server = await start({ dispatcher: gate.dispatcher });
    const client = await connectRawH2(server.url);
    cleanups.push(() => client.destroy());
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let sent = 0;
    for (let i = 0; i < 20_000 && !client.tally.closed; i++) {
      client.post(2 * i + 1, INTERCEPT, "application/json", BODY);
      client.reset(2 * i + 1);
      sent++;
      if (i % 100 === 99) {
        await client.flushed();
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }
    }
    await client.closedByServer;
    expect(client.tally.goaway).toBe(H2.ENHANCE_YOUR_CALM);
    expect(server.stats().rapidResetSessions).toBe(1);
    const growthMb = (rssPeak - rssBefore) / 2 ** 20;
    console.log(
      `rapid reset: ${sent} streams sent before the GOAWAY; RSS of the test process (server and client) ${Math.round(rssBefore / 2 ** 20)} MB before, +${growthMb.toFixed(1)} MB at peak`,
    );
    // Not a speed: a memory bound far above what a guarded server needs (the issue saw ~980 MB).
    expect(growthMb).toBeLessThan(300);
    gate.open();
  });

  it("an idle HTTP/2 connection is closed after idleTimeoutMs, a busy one is not", async () => {
    const gate = gatedDispatcher();
    const server = await start({ dispatcher: gate.dispatcher, limits: { idleTimeoutMs: 300 } });
    const idle = await h2Session(server.url);
    const busy = await h2Session(server.url);
    const answer = intercept(busy);
    await new Promise<void>((resolve) => idle.once("close", resolve));
    expect(busy.closed).toBe(false);
    gate.open();
    expect((await answer).status).toBe(200);
  });

  it("an HTTP/2 request body that does not arrive within requestTimeoutMs gets 408 and the stream is reset", async () => {
    const server = await start({ dispatcher: new FakeDispatcher(), limits: { requestTimeoutMs: 300 } });
    const session = await h2Session(server.url);
    const stream = session.request({ ":method": "POST", ":path": INTERCEPT, "content-type": "application/json" });
    stream.on("error", () => {});
    stream.write("{");
    const status = await new Promise<number>((resolve) =>
      stream.once("response", (headers) => resolve(Number(headers[":status"]))),
    );
    expect(status).toBe(408);
    await new Promise<void>((resolve) => stream.once("close", resolve));
    expect(server.stats().requestTimeouts).toBe(1);
  });
});

describe("the in-flight limit", () => {
  it("gRPC callers get RESOURCE_EXHAUSTED, Connect callers 429, at once, and both paths answer the same", async () => {
    const gate = gatedDispatcher();
    const limits = { maxInFlight: 1, maxQueued: 0 };
    const fast = await start({ dispatcher: gate.dispatcher, limits });
    const reference = await start({ dispatcher: gate.dispatcher, limits, fastPath: false });
    const held = [fast, reference].map((server) =>
      rawRequest(server.url, { path: INTERCEPT, headers: { "content-type": "application/json" }, body: BODY }),
    );
    await expect.poll(() => gate.running()).toBe(2);
    const request = { path: INTERCEPT, headers: { "content-type": "application/json" }, body: BODY };
    for (const http2 of [false, true]) {
      const viaFast = describeResponse(await rawRequest(fast.url, { ...request, http2 }));
      const viaConnect = describeResponse(await rawRequest(reference.url, { ...request, http2 }));
      expect(viaFast).toEqual(viaConnect);
      expect(viaFast.status).toBe(429);
      expect(viaFast.headers).toContainEqual(["retry-after", "1"]);
      expect(viaFast.headers).toContainEqual(["polyplug-error-code", "resource_exhausted"]);
      expect(JSON.parse(viaFast.body)).toMatchObject({ code: "resource_exhausted" });
    }
    const client = createClient(Gateway, createGrpcTransport({ baseUrl: fast.url }));
    const error = await client.intercept({ topic: "message.will_be_posted" }).then(
      () => undefined,
      (reason: unknown) => ConnectError.from(reason),
    );
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(error?.metadata.get("retry-after")).toBe("1");
    gate.open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("a queued call that waits queueTimeoutMs is answered 429; one whose client leaves frees its place", async () => {
    const gate = gatedDispatcher();
    const server = await start({
      dispatcher: gate.dispatcher,
      limits: { maxInFlight: 1, maxQueued: 1, queueTimeoutMs: 200 },
    });
    const session = await h2Session(server.url);
    const held = intercept(session);
    await expect.poll(() => gate.running()).toBe(1);
    const leaving = session.request({ ":method": "POST", ":path": INTERCEPT, "content-type": "application/json" });
    leaving.on("error", () => {});
    leaving.end(BODY);
    await expect.poll(() => server.stats().calls.queued).toBe(1);
    leaving.close(http2.constants.NGHTTP2_CANCEL);
    await expect.poll(() => server.stats().calls.queued).toBe(0);
    const waited = await intercept(session);
    expect(waited.status).toBe(429);
    expect(server.stats().calls.shed.queue_timeout).toBe(1);
    gate.open();
    expect((await held).status).toBe(200);
  });

  it("a slow request body holds a connection, not a call slot", async () => {
    const gate = gatedDispatcher();
    gate.open();
    const server = await start({ dispatcher: gate.dispatcher, limits: { maxInFlight: 1, maxQueued: 0 } });
    const { hostname, port } = new URL(server.url);
    const slow = net.connect(Number(port), hostname);
    slow.on("error", () => {});
    cleanups.push(() => slow.destroy());
    slow.write(
      `POST ${INTERCEPT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{`,
    );
    await expect.poll(() => server.stats().connections.open).toBe(1);
    const answer = await rawRequest(server.url, {
      path: INTERCEPT,
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    expect(answer.status).toBe(200);
  });

  it("plugin HTTP routes share the limit and are answered 429 with Retry-After", async () => {
    const dispatcher = new FakeDispatcher();
    let release: () => void = () => {};
    const pending = new Promise<void>((resolve) => (release = resolve));
    dispatcher.httpHandlers.set("com.example.slow", async function* () {
      await pending;
      yield { frame: { case: "head", value: { status: 200, headers: [] } } };
    });
    const server = await start({ dispatcher, limits: { maxInFlight: 1, maxQueued: 0 } });
    const held = rawRequest(server.url, { path: "/plugins/com.example.slow/x", method: "GET" });
    await expect.poll(() => server.stats().calls.inFlight).toBe(1);
    const shed = describeResponse(await rawRequest(server.url, { path: "/plugins/com.example.slow/x", method: "GET" }));
    expect(shed.status).toBe(429);
    expect(shed.headers).toContainEqual(["retry-after", "1"]);
    expect(JSON.parse(shed.body)).toMatchObject({ code: "resource_exhausted" });
    release();
    expect((await held).status).toBe(200);
  });
});

describe("connections", () => {
  /** A connected socket and a promise of everything the server sent until it closed. */
  async function openSocket(url: string, first?: string): Promise<{ socket: net.Socket; closed: Promise<string> }> {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    if (first !== undefined) socket.write(first);
    socket.on("error", () => {});
    cleanups.push(() => socket.destroy());
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<string>((resolve) => socket.once("close", () => resolve(answer)));
    await new Promise((resolve) => {
      socket.once("connect", resolve);
      socket.once("close", resolve);
    });
    return { socket, closed };
  }

  it("1,000 slow-body connections: capped per address, the admitted ones answered 408 and closed", async () => {
    const server = await start({
      dispatcher: new FakeDispatcher(),
      limits: { maxConnectionsPerAddress: 100, requestTimeoutMs: 500, headersTimeoutMs: 500 },
    });
    const slowBody = `POST ${INTERCEPT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{`;
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => openSocket(server.url, slowBody)));
    const answers = await Promise.all(sockets.map(({ closed }) => closed));
    const stats = server.stats();
    // Admitted connections that timed out make room for later ones: the cap is on those open at once.
    expect(stats.connections.peakOpen).toBe(100);
    expect(stats.connections.refused.max_per_address + stats.connections.accepted).toBe(1000);
    expect(stats.connections.refused.max_per_address).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.startsWith("HTTP/1.1 408")).length).toBe(stats.connections.accepted);
    expect(stats.requestTimeouts).toBe(stats.connections.accepted);
    await expect.poll(() => server.stats().connections.open).toBe(0);
  });

  it("slow headers are answered 408; a silent connection is closed; maxConnections is a total cap", async () => {
    const server = await start({
      dispatcher: new FakeDispatcher(),
      limits: { maxConnections: 2, headersTimeoutMs: 300 },
    });
    const slow = await openSocket(server.url);
    const silent = await openSocket(server.url);
    await expect.poll(() => server.stats().connections.open).toBe(2);
    const third = await openSocket(server.url);
    await third.closed;
    expect(server.stats().connections.refused.max_connections).toBe(1);
    slow.socket.write(`POST ${INTERCEPT} HTTP/1.1\r\nhost: x\r\n`);
    expect(await slow.closed).toMatch(/^HTTP\/1.1 408/);
    expect(await silent.closed).toBe("");
  });

  it("WebSocket clients are capped: the next upgrade is answered 503 with Retry-After", async () => {
    const server = await start({ dispatcher: new FakeDispatcher(), limits: { maxWebSocketClients: 2 } });
    const url = `${server.url.replace("http", "ws")}/v1/events`;
    const open = async () => {
      const socket = new WebSocket(url);
      cleanups.push(() => socket.terminate());
      await new Promise((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
      });
    };
    await open();
    await open();
    const refused = new WebSocket(url);
    refused.on("error", () => {});
    const status = await new Promise<number>((resolve) =>
      refused.once("unexpected-response", (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      }),
    );
    expect(status).toBe(503);
    expect(server.stats().webSocketRefused).toBe(1);
  });
});
