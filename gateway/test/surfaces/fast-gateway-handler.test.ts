// Which requests the JSON fast path takes, and how its calls are cancelled: by the
// client going away (HTTP/1.1 and HTTP/2), and by the server shutting down.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CallOptions } from "../../src/dispatch/dispatcher.js";
import { createFastGatewayHandler } from "../../src/surfaces/fast-gateway-handler.js";
import { createDualProtocolServer } from "../../src/surfaces/http-server.js";
import { startPublicServer } from "../../src/surfaces/public-server.js";
import { eventually } from "../log-capture.js";
import { FakeDispatcher } from "./fake-dispatcher.js";
import { oneConnectionAgent, postJson } from "./keep-alive.js";
import { rawRequest, type RawRequest } from "./raw-http.js";

// Every body the fast path reads, with how its read ended (set as soon as it settled): the real readUnaryBody,
// observed, so a test can tell a read that failed from one that never settled (a request left hanging).
const bodyReads = vi.hoisted(() => [] as Array<{ outcome: "read" | Error | undefined }>);
vi.mock("../../src/surfaces/unary-body.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/surfaces/unary-body.js")>();
  return {
    readUnaryBody: (...args: Parameters<typeof real.readUnaryBody>) => {
      const read: (typeof bodyReads)[number] = { outcome: undefined };
      bodyReads.push(read);
      const body = real.readUnaryBody(...args);
      body.then(
        () => (read.outcome = "read"),
        (error: Error) => (read.outcome = error),
      );
      return body;
    },
  };
});

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";
const body = JSON.stringify({ topic: "a.b", payload: { x: 1 } });

describe("the requests the fast path takes", () => {
  const dispatcher = new FakeDispatcher();
  const shutdown = new AbortController();
  const fast = createFastGatewayHandler({
    dispatcher,
    readMaxBytes: 1024 * 1024,
    jsonOptions: { alwaysEmitImplicit: true },
    shutdownSignal: shutdown.signal,
    acceptCompression: [],
  });
  // Whatever the fast path declines is answered 599 here.
  const server = createDualProtocolServer({
    handler: (req, res) => {
      if (fast(req, res)) return;
      res.writeHead(599);
      res.end();
    },
  });
  let url = "";
  beforeAll(async () => {
    url = (await server.listen(0, "127.0.0.1")).url;
  });
  afterAll(() => server.close());

  const taken: [string, RawRequest][] = [
    ["Intercept, application/json", { path: INTERCEPT, headers: { "content-type": "application/json" }, body }],
    ["Intercept over HTTP/2", { path: INTERCEPT, headers: { "content-type": "application/json" }, body, http2: true }],
    ["Notify", { path: "/polyplug.v1.Gateway/Notify", headers: { "content-type": "application/json" }, body }],
    ["charset=utf-8", { path: INTERCEPT, headers: { "content-type": "application/json; charset=utf-8" }, body }],
    [
      "content-encoding identity",
      { path: INTERCEPT, headers: { "content-type": "application/json", "content-encoding": "identity" }, body },
    ],
    [
      "a connect timeout",
      { path: INTERCEPT, headers: { "content-type": "application/json", "connect-timeout-ms": "5000" }, body },
    ],
    ["a chunked body", { path: INTERCEPT, headers: { "content-type": "application/json" }, body, chunked: true }],
    [
      "malformed JSON (answered with connect's error)",
      { path: INTERCEPT, headers: { "content-type": "application/json" }, body: "{" },
    ],
  ];
  const declined: [string, RawRequest][] = [
    [
      "ExecuteCommand",
      { path: "/polyplug.v1.Gateway/ExecuteCommand", headers: { "content-type": "application/json" }, body },
    ],
    ["binary protobuf", { path: INTERCEPT, headers: { "content-type": "application/proto" }, body: "" }],
    ["gRPC", { path: INTERCEPT, headers: { "content-type": "application/grpc" }, body: "", http2: true }],
    ["gRPC-Web", { path: INTERCEPT, headers: { "content-type": "application/grpc-web+json" }, body }],
    [
      "a gzip body",
      { path: INTERCEPT, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body },
    ],
    ["GET", { path: INTERCEPT, method: "GET", headers: { "content-type": "application/json" } }],
    [
      "a malformed connect timeout",
      { path: INTERCEPT, headers: { "content-type": "application/json", "connect-timeout-ms": "-1" }, body },
    ],
    ["another path", { path: "/plugins/x/y", headers: { "content-type": "application/json" }, body }],
  ];
  for (const [name, request] of taken) {
    it(`takes ${name}`, async () => {
      expect((await rawRequest(url, request)).status).not.toBe(599);
    });
  }
  for (const [name, request] of declined) {
    it(`leaves ${name} to connect-node`, async () => {
      expect((await rawRequest(url, request)).status).toBe(599);
    });
  }

  // How a client cuts a request short once the server has it: HTTP/1.1 drops the connection (the request
  // errors "aborted"); HTTP/2 resets the stream (the request ends short of its content-length).
  const cutShort: [string, (url: string, requestArrived: Promise<void>) => Promise<void>][] = [
    [
      "HTTP/1.1",
      async (url, requestArrived) => {
        const socket = net.connect(Number(new URL(url).port), "127.0.0.1");
        socket.on("error", () => {});
        socket.write(
          `POST ${INTERCEPT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"topic"`,
        );
        await requestArrived;
        socket.destroy();
      },
    ],
    [
      "HTTP/2",
      async (url, requestArrived) => {
        const session = http2.connect(url);
        session.on("error", () => {});
        const stream = session.request({
          ":method": "POST",
          ":path": INTERCEPT,
          "content-type": "application/json",
          "content-length": "100",
        });
        stream.on("error", () => {});
        stream.write('{"topic"');
        await requestArrived;
        stream.close(http2.constants.NGHTTP2_CANCEL);
        stream.once("close", () => session.close());
      },
    ],
  ];
  it.each(cutShort)(
    "never calls the dispatcher for a request whose body was cut short (%s), and still answers complete ones",
    async (_, cut) => {
      const own = new FakeDispatcher();
      const handle = createFastGatewayHandler({
        dispatcher: own,
        readMaxBytes: 1024 * 1024,
        jsonOptions: { alwaysEmitImplicit: true },
        shutdownSignal: shutdown.signal,
        acceptCompression: [],
      });
      let arrived!: () => void;
      const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
      let closed!: () => void;
      // setImmediate: the handler's own "close" listener (registered after this one) runs first.
      const requestClosed = new Promise<void>((resolve) => (closed = resolve));
      const cutServer = createDualProtocolServer({
        handler: (req, res) => {
          req.on("close", () => setImmediate(closed));
          handle(req, res);
          arrived();
        },
      });
      const { url: cutUrl } = await cutServer.listen(0, "127.0.0.1");
      const readsBefore = bodyReads.length;
      try {
        await cut(cutUrl, requestArrived);
        await requestClosed;
        expect(own.calls).toHaveLength(0);
        // The read failed (aborted, short, or cut short) by the time the request closed: a read that never settled
        // would leave the call hanging, its listeners and call signal held.
        expect(bodyReads.slice(readsBefore).map((read) => read.outcome)).toEqual([expect.any(Error)]);
        // The listeners a cut-short request leaves behind do not touch the next, complete request.
        const answer = await rawRequest(cutUrl, {
          path: INTERCEPT,
          headers: { "content-type": "application/json" },
          body,
        });
        expect(answer.status).toBe(200);
        expect(own.calls).toHaveLength(1);
      } finally {
        await cutServer.close();
      }
    },
  );

  // A response in two writes costs a second syscall and, with Nagle or delayed ACKs on
  // the client, a round trip: status line, headers and body leave in one write.
  it("writes each answer (success or error) to the socket in one write", async () => {
    const writes: number[] = [];
    type Writes = { _write: (...args: unknown[]) => void; _writev?: (...args: unknown[]) => void };
    const count = (socket: Writes, name: "_write" | "_writev", at: number) => {
      const original = socket[name];
      if (!original) return;
      socket[name] = function (this: unknown, ...args: unknown[]) {
        writes[at] = (writes[at] ?? 0) + 1;
        return original.apply(this, args);
      };
    };
    const onConnection = (socket: unknown) => {
      const at = writes.length;
      writes.push(0);
      count(socket as Writes, "_write", at);
      count(socket as Writes, "_writev", at);
    };
    server.server.on("connection", onConnection);
    try {
      for (const request of [taken[0]![1], taken[2]![1], taken[7]![1]]) {
        const before = writes.length;
        expect((await rawRequest(url, request)).status).not.toBe(599);
        expect(writes.slice(before)).toEqual([1]);
      }
    } finally {
      server.server.off("connection", onConnection);
    }
  });

  it("leaves the call's signal alone once the call is answered (no abort, no DOMException)", async () => {
    const before = dispatcher.calls.length;
    await rawRequest(url, taken[0]![1]);
    const options = dispatcher.calls[before]?.args.at(-1) as CallOptions;
    expect(options.signal?.aborted).toBe(false);
  });
});

describe("cancellation", () => {
  const dispatcher = new FakeDispatcher();
  const aborted: unknown[] = [];
  dispatcher.onIntercept = (_topic, payload, options) =>
    new Promise((_resolve, reject) => {
      options?.signal?.addEventListener(
        "abort",
        () => {
          aborted.push(options.signal?.reason);
          reject(new Error("cancelled"));
        },
        { once: true },
      );
      void payload;
    });

  async function waitFor(count: number): Promise<void> {
    await eventually(() => aborted.length >= count, 5000, `${count} aborted calls`);
    expect(aborted).toHaveLength(count);
  }

  it("aborts the chain when an HTTP/1.1 client disconnects", async () => {
    const server = await startPublicServer({ port: 0, dispatcher });
    try {
      const req = http.request(`${server.url}${INTERCEPT}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      req.on("error", () => {});
      req.end(body);
      await eventually(() => dispatcher.calls.length > 0, 10_000, "the call to reach the dispatcher");
      req.destroy();
      await waitFor(1);
    } finally {
      await server.close();
    }
  });

  it("aborts the chain when an HTTP/2 client resets its stream", async () => {
    const server = await startPublicServer({ port: 0, dispatcher });
    const session = http2.connect(server.url);
    try {
      const calls = dispatcher.calls.length;
      const stream = session.request({ ":method": "POST", ":path": INTERCEPT, "content-type": "application/json" });
      stream.on("error", () => {});
      stream.end(body);
      await eventually(() => dispatcher.calls.length > calls, 10_000, "the call to reach the dispatcher");
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await waitFor(2);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("aborts calls in flight when the server shuts down", async () => {
    const server = await startPublicServer({ port: 0, dispatcher });
    const calls = dispatcher.calls.length;
    const answer = rawRequest(server.url, { path: INTERCEPT, headers: { "content-type": "application/json" }, body });
    await eventually(() => dispatcher.calls.length > calls, 10_000, "the call to reach the dispatcher");
    await server.close();
    await waitFor(3);
    await answer;
  });
});

// An HTTP/1.1 connection's calls without a Connect timeout share one cancellation signal
// (call-signals.ts): each must still be cancelled exactly when it would be with its own.
describe("cancellation of calls on one keep-alive HTTP/1.1 connection", () => {
  const post = (url: string, agent: http.Agent) => postJson(`${url}${INTERCEPT}`, agent, body);

  it("aborts the unanswered call when the connection closes, and never an earlier answered one", async () => {
    const dispatcher = new FakeDispatcher();
    const events: string[] = [];
    let call = 0;
    dispatcher.onIntercept = (_topic, payload, options) => {
      const n = ++call;
      // Every call leaves a listener behind, as a transport that never removes its own would.
      options?.signal?.addEventListener("abort", () => events.push(`call ${n} aborted`), { once: true });
      if (n < 3) return Promise.resolve({ requestId: `r${n}`, allowed: true, payload, modified: false, steps: [] });
      return new Promise(() => {});
    };
    const server = await startPublicServer({ port: 0, dispatcher });
    const agent = oneConnectionAgent();
    try {
      const first = await post(server.url, agent);
      const second = await post(server.url, agent);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.socket).toBe(first.socket); // one connection
      const third = post(server.url, agent).catch(() => undefined);
      await eventually(() => dispatcher.calls.length >= 3, 10_000, "the third call to reach the dispatcher");
      agent.destroy();
      await third;
      await eventually(() => events.length > 0, 5000, "an aborted call");
      // A signal's abort runs all its listeners at once: a shared one would have run calls 1 and 2's here.
      expect(events).toEqual(["call 3 aborted"]);
      const options = dispatcher.calls.map((c) => c.args.at(-1) as CallOptions);
      expect(options[2]?.signal?.reason).toMatchObject({ message: expect.stringContaining("client closed") });
      expect(options[0]?.signal?.aborted).toBe(false);
      expect(options[1]?.signal?.aborted).toBe(false);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it("gives a call with a Connect timeout its own deadline", async () => {
    const dispatcher = new FakeDispatcher();
    const reasons: unknown[] = [];
    dispatcher.onIntercept = (_topic, _payload, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener(
          "abort",
          () => {
            reasons.push(options.signal?.reason);
            reject(options.signal?.reason);
          },
          { once: true },
        );
      });
    const server = await startPublicServer({ port: 0, dispatcher });
    try {
      const answer = await rawRequest(server.url, {
        path: INTERCEPT,
        headers: { "content-type": "application/json", "connect-timeout-ms": "50" },
        body,
      });
      expect(answer.status).toBe(504);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatchObject({ message: expect.stringContaining("timed out") });
    } finally {
      await server.close();
    }
  });
});
