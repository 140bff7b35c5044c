// Streaming calls on the plugin transports (rpc/h2 and the node:http2 fallback): the plugin's
// broker (bidi) and stdio (server streaming) streams share the unary calls' connection (issue 17),
// against a real grpc-js server. Order, status, cancellation, limits and a plugin that floods.
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { GRPCBroker, type ConnInfo } from "@polyplug/sdk/internal/gen/plugin/grpc_broker_pb.js";
import { GRPCStdio, StdioData_Channel } from "@polyplug/sdk/internal/gen/plugin/grpc_stdio_pb.js";
import { Health } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { serverCredentials, type ListenAddress } from "@polyplug/sdk/internal/goplugin/channel.js";
import { createRpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { toGrpcMethodDefinition } from "@polyplug/sdk/internal/rpc/grpc-service.js";
import type { RpcCallContext } from "@polyplug/sdk/internal/rpc/server.js";
import { addRpcService } from "@polyplug/sdk/internal/rpc/server.js";
import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import type { PolyplugError } from "../../src/errors.js";
import { PLUGIN_TRANSPORTS } from "../../src/rpc/plugin-transport.js";
import { createPluginUnaryTransport } from "../../src/rpc/plugin-unary-transport.js";
import { socketPath } from "./test-server.js";

const LIMIT = 64 * 1024;

/** What the server's handlers were told. */
interface Seen {
  stdioCancelled: boolean;
}

/** How the scripted GRPCStdio answers: `lines` chunks, then (flood) keep sending until cancelled. */
let stdioScript: { lines: number; chunkBytes: number; flood: boolean; hold?: boolean } = {
  lines: 3,
  chunkBytes: 10,
  flood: false,
};

async function startServer(
  seen: Seen,
  maxStreams?: number,
): Promise<{ listen: ListenAddress; stop: () => Promise<void> }> {
  const server = new grpc.Server({
    "grpc.max_send_message_length": 4 * LIMIT,
    ...(maxStreams ? { "grpc.max_concurrent_streams": maxStreams } : {}),
  });
  addRpcService(server, GRPCStdio, {
    async *streamStdio(_request: unknown, context: RpcCallContext) {
      context.signal.addEventListener("abort", () => (seen.stdioCancelled = true));
      const { lines, chunkBytes, flood } = stdioScript;
      for (let i = 0; (flood || i < lines) && !context.signal.aborted; i++)
        yield { channel: StdioData_Channel.STDOUT, data: Buffer.alloc(chunkBytes, 48 + (i % 10)) };
      if (stdioScript.hold) await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      if (!flood) yield { channel: StdioData_Channel.STDERR, data: Buffer.from("end") };
    },
  });
  // Echo on grpc-js's own events: the SDK's bidi handlers iterate the request stream, which destroys the call at its end.
  const startStream = GRPCBroker.method.startStream;
  server.addService(
    { startStream: toGrpcMethodDefinition(startStream) },
    {
      startStream: (call: grpc.ServerDuplexStream<ConnInfo, unknown>) => {
        call.on("data", (info: ConnInfo) =>
          call.write({ serviceId: info.serviceId + 1000, network: info.network, address: info.address }),
        );
        call.on("end", () => call.end());
      },
    },
  );
  addRpcService(server, Health, { check: () => ({ status: 1 }) });
  const address = socketPath();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${address}`, serverCredentials(undefined), (error) => (error ? reject(error) : resolve())),
  );
  return {
    listen: { network: "unix", address },
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  stdioScript = { lines: 3, chunkBytes: 10, flood: false };
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server and a connected transport (as the host has it when the streams start: the plugin's SETTINGS known). */
async function setup(
  kind: (typeof PLUGIN_TRANSPORTS)[number],
  maxStreams?: number,
  firstCall = true,
): Promise<{ transport: UnaryTransport; seen: Seen }> {
  const seen: Seen = { stdioCancelled: false };
  const server = await startServer(seen, maxStreams);
  const transport = createPluginUnaryTransport(kind, { listen: server.listen, tls: undefined, maxMessageBytes: LIMIT });
  cleanups.push(server.stop, () => transport.close());
  await transport.connect();
  if (firstCall) await createRpcClient(Health, transport).check({ service: "plugin" });
  return { transport, seen };
}

async function failure(run: () => Promise<unknown>): Promise<PolyplugError> {
  try {
    await run();
  } catch (error) {
    return error as PolyplugError;
  }
  throw new Error("expected the call to fail");
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

describe.each(PLUGIN_TRANSPORTS)("streams on the %s transport", (kind) => {
  it("reads a server stream to its end, in order, beside unary calls on the same transport", async () => {
    const { transport } = await setup(kind);
    stdioScript = { lines: 50, chunkBytes: 1024, flood: false };
    const [chunks, health] = await Promise.all([
      collect(createRpcClient(GRPCStdio, transport).streamStdio({})),
      createRpcClient(Health, transport).check({ service: "plugin" }),
    ]);
    expect(health.status).toBe(1);
    expect(chunks).toHaveLength(51);
    expect(chunks.slice(0, 50).map((c) => c.data[0])).toEqual([...Array(50).keys()].map((i) => 48 + (i % 10)));
    expect(chunks.at(-1)?.channel).toBe(StdioData_Channel.STDERR);
  });

  it("carries a bidi stream both ways until the caller ends it (property: any message sizes, under flow control)", async () => {
    const { transport } = await setup(kind);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: LIMIT - 64 }), { minLength: 0, maxLength: 12 }),
        async (sizes) => {
          const stream = createRpcClient(GRPCBroker, transport).startStream();
          const answers = collect(stream.responses);
          for (const [i, size] of sizes.entries()) {
            if (!stream.send({ serviceId: i, network: "unix", address: "x".repeat(size) })) await stream.drained();
          }
          stream.end();
          const got = await answers;
          expect(got.map((a) => [a.serviceId, a.address.length])).toEqual(sizes.map((size, i) => [i + 1000, size]));
        },
      ),
      { numRuns: 8 },
    );
  });

  it("ends with the plugin's status: UNIMPLEMENTED for a service it does not serve", async () => {
    const { transport } = await setup(kind);
    const error = await failure(() => collect(createRpcClient(Plugin, transport).serveHTTP().responses));
    expect(error.details.grpcStatus).toBe("UNIMPLEMENTED");
  });

  it("cancels: the caller's signal ends the stream with CANCELLED and the plugin sees it", async () => {
    const { transport, seen } = await setup(kind);
    stdioScript = { lines: 0, chunkBytes: 1, flood: true };
    const controller = new AbortController();
    const stream = createRpcClient(GRPCStdio, transport).streamStdio({}, { signal: controller.signal });
    let read = 0;
    const error = await failure(async () => {
      for await (const _ of stream) if (++read === 5) controller.abort();
    });
    expect(error.details.grpcStatus).toBe("CANCELLED");
    await expect.poll(() => seen.stdioCancelled, { timeout: 10_000 }).toBe(true);
    // The connection is still good for the next call.
    expect((await createRpcClient(Health, transport).check({ service: "plugin" })).status).toBe(1);
  });

  it("leaving the iteration early cancels the stream", async () => {
    const { transport, seen } = await setup(kind);
    stdioScript = { lines: 0, chunkBytes: 1, flood: true };
    for await (const _ of createRpcClient(GRPCStdio, transport).streamStdio({})) break;
    await expect.poll(() => seen.stdioCancelled, { timeout: 10_000 }).toBe(true);
  });

  it("fails a message over the limit with RESOURCE_EXHAUSTED instead of buffering it", async () => {
    const { transport } = await setup(kind);
    stdioScript = { lines: 1, chunkBytes: 2 * LIMIT, flood: false };
    const error = await failure(() => collect(createRpcClient(GRPCStdio, transport).streamStdio({})));
    expect(error.details.grpcStatus).toBe("RESOURCE_EXHAUSTED");
    const big = createRpcClient(GRPCBroker, transport).startStream();
    expect(big.send({ serviceId: 1, address: "x".repeat(2 * LIMIT) })).toBe(false);
    const sent = await failure(() => collect(big.responses));
    expect(sent.details.grpcStatus).toBe("RESOURCE_EXHAUSTED");
  });

  it("bounds what a flooding plugin leaves unread: the stream fails, memory does not grow", async () => {
    const { transport, seen } = await setup(kind);
    stdioScript = { lines: 0, chunkBytes: 1024, flood: true };
    const iterator = createRpcClient(GRPCStdio, transport).streamStdio({})[Symbol.asyncIterator]();
    await iterator.next(); // then read nothing while the plugin keeps sending
    await expect.poll(() => seen.stdioCancelled, { timeout: 20_000 }).toBe(true);
    const error = await failure(async () => {
      for (;;) if ((await iterator.next()).done) return;
    });
    expect(error.details.grpcStatus).toBe("RESOURCE_EXHAUSTED");
  });

  it.each([
    ["after a first call", true],
    ["right after connect()", false],
  ])(
    "keeps hooks flowing beside long-lived streams when the plugin admits only 2 streams at once (%s)",
    async (_, firstCall) => {
      const { transport } = await setup(kind, 2, firstCall);
      stdioScript = { lines: 1, chunkBytes: 1, flood: false, hold: true };
      const stdio = createRpcClient(GRPCStdio, transport).streamStdio({})[Symbol.asyncIterator]();
      await stdio.next();
      const broker = createRpcClient(GRPCBroker, transport).startStream();
      broker.send({ serviceId: 1 });
      const echoed = await broker.responses[Symbol.asyncIterator]().next();
      expect(echoed.value?.serviceId).toBe(1001);
      // Both streams stay open; unary calls still get slots on the plugin's connection.
      const answers = await Promise.all(
        [1, 2, 3].map(() => createRpcClient(Health, transport).check({ service: "plugin" }, { deadline: 10_000 })),
      );
      expect(answers.map((a) => a.status)).toEqual([1, 1, 1]);
      broker.cancel();
      await stdio.return?.();
    },
  );

  it("a stream on a closed transport fails with UNAVAILABLE", async () => {
    const { transport } = await setup(kind);
    transport.close();
    const error = await failure(() => collect(createRpcClient(GRPCStdio, transport).streamStdio({})));
    expect(error.details.grpcStatus).toBe("UNAVAILABLE");
  });
});
