import { getEventListeners } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/errors.js";
import { createGrpcClient, MAX_MESSAGE_BYTES, type MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";
import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { createRpcClient, useUnaryTransport, type RpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { createH2UnaryTransport } from "../../src/rpc/h2/unary-transport.js";
import { createHttp2UnaryTransport } from "../../src/rpc/http2-unary.js";
import type { Http2UnaryOptions, UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { startTestServer, tlsPair, type TestServer, UNARY_TRANSPORTS } from "./test-server.js";

let createTransport: (options: Http2UnaryOptions) => UnaryTransport = createHttp2UnaryTransport;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly server: TestServer;
  /** Typed client whose unary calls go over the lean transport. */
  readonly lean: RpcClient<typeof GatewayAPI>;
  /** The same service through grpc-js only, for comparing behaviour. */
  readonly reference: RpcClient<typeof GatewayAPI>;
  readonly transport: UnaryTransport;
}

async function setup(network: "unix" | "tcp", secure: boolean, maxMessageBytes = MAX_MESSAGE_BYTES): Promise<Setup> {
  const pair = secure ? await tlsPair() : undefined;
  const server = await startTestServer(network, pair?.server);
  cleanups.push(() => server.stop());
  return connect(server, pair?.client, maxMessageBytes);
}

function connect(server: TestServer, tls?: MutualTls, maxMessageBytes = MAX_MESSAGE_BYTES): Setup {
  const transport = createTransport({ listen: server.listen, tls, maxMessageBytes });
  const leanChannel: grpc.Client = createGrpcClient(server.listen, tls, maxMessageBytes);
  const referenceChannel: grpc.Client = createGrpcClient(server.listen, tls, maxMessageBytes);
  useUnaryTransport(leanChannel, transport);
  cleanups.push(() => {
    transport.close();
    leanChannel.close();
    referenceChannel.close();
  });
  return {
    server,
    transport,
    lean: createRpcClient(GatewayAPI, leanChannel),
    reference: createRpcClient(GatewayAPI, referenceChannel),
  };
}

async function failure(promise: Promise<unknown>): Promise<PolyplugError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PolyplugError);
  return error as PolyplugError;
}

describe.each(UNARY_TRANSPORTS)("%s transport", (_name, create) => {
  beforeEach(() => {
    createTransport = create;
  });

  describe.each([
    ["unix", false],
    ["tcp", false],
    ["unix", true],
    ["tcp", true],
  ] as const)("lean unary transport over %s (TLS %s)", (network, secure) => {
    it("calls, passes metadata and the deadline, and carries 4 MiB both ways", async () => {
      const { lean, server } = await setup(network, secure);
      const small = await lean.kvGet({ key: "size:3" }, { deadline: 5000 });
      expect({ found: small.found, value: [...small.value] }).toEqual({ found: true, value: [7, 7, 7] });
      expect(server.log.last).toEqual({ metadata: undefined, hadDeadline: true });
      const echoed = await lean.kvGet({ key: "meta" }, { metadata: { "X-Test": "hello" } });
      expect(Buffer.from(echoed.value).toString()).toBe("hello");
      expect(server.log.last?.hadDeadline).toBe(false);

      const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 251);
      const answer = await lean.kvSet({ key: "k", value: big }, { deadline: 20_000 });
      expect(Buffer.compare(answer.currentValue, big)).toBe(0);
      expect((await lean.kvGet({ key: `size:${4 * 1024 * 1024}` })).value.length).toBe(4 * 1024 * 1024);
    });

    it("multiplexes many concurrent calls on one session", async () => {
      const { lean } = await setup(network, secure);
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => lean.kvGet({ key: `size:${i % 50}` })));
      expect(answers.map((answer) => answer.value.length)).toEqual(Array.from({ length: 200 }, (_, i) => i % 50));
    });

    it("maps an error status (trailers-only) exactly like the grpc-js client", async () => {
      const { lean, reference } = await setup(network, secure);
      const mine = await failure(lean.kvGet({ key: "fail" }));
      const theirs = await failure(reference.kvGet({ key: "fail" }));
      expect(mine.code).toBe(ErrorCode.RpcFailed);
      expect(mine.code).toBe(theirs.code);
      expect(mine.details).toEqual(theirs.details);
      expect(mine.details).toEqual({ grpcStatus: "NOT_FOUND", grpcCode: 5 });
      expect(mine.message).toBe(theirs.message);
      expect(mine.message).toBe("polyplug.v1.GatewayAPI/KvGet failed: NOT_FOUND: no such key: café 100% ✓");
    });

    it("ends the call at its deadline and the server sees the cancellation", async () => {
      const { lean, server } = await setup(network, secure);
      const started = Date.now();
      const error = await failure(lean.kvGet({ key: "slow:5000" }, { deadline: 150 }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.code).toBe(ErrorCode.DeadlineExceeded);
      expect(error.details.grpcStatus).toBe("DEADLINE_EXCEEDED");
      await expect.poll(() => server.log.cancelled).toContain("slow:5000");
      expect(await lean.kvGet({ key: "size:1" })).toMatchObject({ found: true }); // the session survives
    });

    it("cancels on abort (RST_STREAM CANCEL) and refuses an already aborted signal", async () => {
      const { lean, server } = await setup(network, secure);
      const controller = new AbortController();
      const call = lean.kvGet({ key: "slow:5001" }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const error = await failure(call);
      expect(error).toMatchObject({ code: ErrorCode.Cancelled, details: { grpcStatus: "CANCELLED" } });
      await expect.poll(() => server.log.cancelled).toContain("slow:5001");
      expect(await failure(lean.kvGet({ key: "size:1" }, { signal: AbortSignal.abort() }))).toMatchObject({
        code: ErrorCode.Cancelled,
      });
      expect(await failure(lean.kvGet({ key: "size:1" }, { deadline: new Date(Date.now() - 1) }))).toMatchObject({
        code: ErrorCode.DeadlineExceeded,
      });
    });

    it("cancels every call in flight on one signal, and keeps serving calls on a signal that never fires", async () => {
      // An intercept chain calls each step with its request's signal; a caller's signal may live long.
      const { lean, server } = await setup(network, secure);
      const lasting = new AbortController();
      for (let i = 0; i < 3; i++)
        expect(await lean.kvGet({ key: "size:1" }, { signal: lasting.signal })).toMatchObject({ found: true });
      const controller = new AbortController();
      const keys = ["slow:5002", "slow:5003", "slow:5004"];
      const calls = keys.map((key) => failure(lean.kvGet({ key }, { signal: controller.signal })));
      const done = await lean.kvGet({ key: "size:2" }, { signal: controller.signal });
      expect(done.value.length).toBe(2); // a call that finished before the abort is not affected
      controller.abort();
      for (const error of await Promise.all(calls)) expect(error).toMatchObject({ code: ErrorCode.Cancelled });
      for (const key of keys) await expect.poll(() => server.log.cancelled).toContain(key);
      expect(await lean.kvGet({ key: "size:1" }, { signal: lasting.signal })).toMatchObject({ found: true });
    });

    it("cancels exactly the calls still in flight on a signal after others on it ended in any order", async () => {
      // rpc/h2 keeps a signal's calls in a list through the calls: first, middle and last ones leave it here.
      const { lean, server } = await setup(network, secure);
      const controller = new AbortController();
      const call = (key: string) => lean.kvGet({ key }, { signal: controller.signal });
      const long = ["slow:5011", "slow:5012", "slow:5013"];
      const short = ["slow:60", "slow:20", "slow:40"];
      const longCalls = long.map((key, i) => {
        const pending = failure(call(key));
        return { pending, quick: call(short[i] as string) }; // started after it: nearer the list's head
      });
      for (const { quick } of longCalls) expect(await quick).toMatchObject({ found: true });
      controller.abort();
      for (const { pending } of longCalls) expect(await pending).toMatchObject({ code: ErrorCode.Cancelled });
      for (const key of long) await expect.poll(() => server.log.cancelled).toContain(key);
      for (const key of short) expect(server.log.cancelled).not.toContain(key);
    });

    it("refuses a response over the receive limit, naming it", async () => {
      const { lean } = await setup(network, secure, 1024);
      const error = await failure(lean.kvGet({ key: "size:4096" }));
      expect(error.details.grpcStatus).toBe("RESOURCE_EXHAUSTED");
      expect(error.message).toContain("larger than the limit of 1024 bytes");
      expect(await lean.kvGet({ key: "size:10" })).toMatchObject({ found: true });
      const tooBig = await failure(lean.kvSet({ key: "k", value: new Uint8Array(2048) }));
      expect(tooBig.message).toContain("request message of 2054 bytes is larger than the limit of 1024 bytes");
    });
  });

  describe("lean unary transport connections", () => {
    it("refuses a plugin certificate it was not told to trust (AutoMTLS)", async () => {
      const pair = await tlsPair();
      const other = await tlsPair();
      const server = await startTestServer("tcp", pair.server);
      cleanups.push(() => server.stop());
      const { lean } = connect(server, { ...pair.client, peerCertPem: other.server.certPem });
      const error = await failure(lean.kvGet({ key: "size:1" }));
      expect(error).toMatchObject({ code: ErrorCode.Unavailable, details: { grpcStatus: "UNAVAILABLE" } });
    });

    it("answers UNAVAILABLE while nothing listens and reconnects lazily once the server is back", async () => {
      const first = await startTestServer("unix", undefined);
      const { lean } = connect(first);
      expect(await lean.kvGet({ key: "size:1" })).toMatchObject({ found: true });
      await first.stop();
      const down = await failure(lean.kvGet({ key: "size:1" }));
      expect(down).toMatchObject({ code: ErrorCode.Unavailable });
      expect(down.message).toContain(first.listen.address);
      const second = await startTestServer("unix", undefined, first.listen.address);
      cleanups.push(() => second.stop());
      expect(await lean.kvGet({ key: "size:2" })).toMatchObject({ found: true });
    });

    it("refuses calls after close()", async () => {
      const server = await startTestServer("unix", undefined);
      cleanups.push(() => server.stop());
      const { lean, transport } = connect(server);
      expect(await lean.kvGet({ key: "size:1" })).toMatchObject({ found: true });
      transport.close();
      expect((await failure(lean.kvGet({ key: "size:1" }))).message).toContain("is closed");
    });
  });
});

describe("rpc/h2 transport and the caller's signal", () => {
  it("listens once per signal, however many calls are in flight on it", async () => {
    createTransport = createH2UnaryTransport;
    const { lean } = await setup("unix", false);
    const controller = new AbortController();
    const calls = ["slow:5005", "slow:5006", "slow:5007", "slow:5008"].map((key) =>
      failure(lean.kvGet({ key }, { signal: controller.signal })),
    );
    // Each call begins synchronously (the client's first await is on the transport's answer).
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1); // before: one per call
    controller.abort();
    for (const error of await Promise.all(calls)) expect(error).toMatchObject({ code: ErrorCode.Cancelled });
  });
});
