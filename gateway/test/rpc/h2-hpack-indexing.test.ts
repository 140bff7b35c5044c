// The rpc/h2 request encoder indexes constant headers in the peer's HPACK dynamic table; real
// decoders must agree with its table model through thousands of calls whose varying paths and
// metadata keep evicting entries: node:http2 (nghttp2, also with a small announced table),
// grpc-js, and grpc-go (the Go conformance plugin).
import http2 from "node:http2";
import path from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES, type ListenAddress } from "@polyplug/sdk/internal/goplugin/channel.js";
import { KvGetRequestSchema, KvGetResponseSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { InterceptRequestSchema, InterceptResponseSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { startPlugin } from "../../src/entry/host.js";
import { createH2UnaryTransport } from "../../src/rpc/h2/unary-transport.js";
import { GrpcCallError, type UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { fixturePaths } from "../paths.js";
import { socketPath, startTestServer } from "./test-server.js";

const CALLS = 3000;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transportTo(listen: ListenAddress): UnaryTransport {
  const transport = createH2UnaryTransport({ listen, tls: undefined, maxMessageBytes: MAX_MESSAGE_BYTES });
  cleanups.push(() => transport.close());
  return transport;
}

/** A deterministic pseudo-random sequence, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A method path the server does not serve, long enough that ~20 of them fill a 4 KiB table. */
function unknownPath(next: () => number): string {
  return `/churn.V${Math.floor(next() * 60)}/M${"x".repeat(50 + Math.floor(next() * 150))}`;
}

/**
 * Runs `count` calls, 64 at a time: a third are `real(i)` (which checks its own answer), the rest
 * go to unknown paths with random metadata and must fail UNIMPLEMENTED (the server decoded them).
 */
async function churn(
  transport: UnaryTransport,
  count: number,
  real: (i: number, metadata: Record<string, string>) => Promise<void>,
): Promise<void> {
  const next = random(count);
  for (let base = 0; base < count; base += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, count - base) }, async (_, k) => {
        const i = base + k;
        const metadata: Record<string, string> =
          next() < 0.5 ? {} : { [`x-m${Math.floor(next() * 5)}`]: `v${i}`.repeat(1 + Math.floor(next() * 8)) };
        if (i % 3 === 0) return real(i, metadata);
        const error = await transport.unary(unknownPath(next), new Uint8Array(0), { deadline: 20_000, metadata }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(GrpcCallError);
        expect((error as GrpcCallError).code).toBe(status.UNIMPLEMENTED);
      }),
    );
  }
}

describe("rpc/h2 HPACK indexing against real decoders", () => {
  it.each([4096, 256, 0])(
    "node:http2 announcing a %i-byte header table sees every call's exact headers",
    async (headerTableSize) => {
      const server = http2.createServer({ settings: { headerTableSize } });
      server.on("stream", (stream, headers) => {
        const known = headers[":path"] === "/test.Echo/Headers";
        stream.respond(
          {
            ":status": 200,
            "content-type": "application/grpc",
            ...(known ? {} : { "grpc-status": String(status.UNIMPLEMENTED) }),
          },
          { endStream: !known, waitForTrailers: known },
        );
        if (!known) return;
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        const body = Buffer.from(JSON.stringify(headers));
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(body.length, 1);
        stream.end(Buffer.concat([prefix, body]));
      });
      const address = socketPath();
      await new Promise<void>((resolve) => server.listen(address, resolve));
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      const transport = transportTo({ network: "unix", address });
      await churn(transport, CALLS, async (_i, metadata) => {
        const answer = JSON.parse(
          Buffer.from(
            await transport.unary("/test.Echo/Headers", new Uint8Array(0), { deadline: 20_000, metadata }),
          ).toString(),
        ) as Record<string, string>;
        expect(answer).toMatchObject({
          ":method": "POST",
          ":scheme": "http",
          ":authority": "localhost",
          ":path": "/test.Echo/Headers",
          "content-type": "application/grpc",
          te: "trailers",
          ...metadata,
        });
        expect(answer["grpc-timeout"]).toMatch(/^\d+m$/);
      });
    },
  );

  it("grpc-js reads the metadata of every call while unknown paths churn the table", async () => {
    const server = await startTestServer("unix", undefined);
    cleanups.push(() => server.stop());
    const transport = transportTo(server.listen);
    await churn(transport, CALLS, async (i) => {
      const request = toBinary(KvGetRequestSchema, create(KvGetRequestSchema, { key: "meta" }));
      const answer = fromBinary(
        KvGetResponseSchema,
        await transport.unary("/polyplug.v1.GatewayAPI/KvGet", request, {
          deadline: 20_000,
          metadata: { "x-test": `call-${i}` },
        }),
      );
      expect(Buffer.from(answer.value).toString()).toBe(`call-${i}`);
    });
  });

  it("grpc-go (the Go conformance plugin) answers every call while unknown paths churn the table", async () => {
    const plugin = await startPlugin({
      command: path.join(fixturePaths.repo, "conformance", "plugins", "go", "bin", "conformance"),
      startTimeoutMs: 30_000,
    });
    cleanups.push(() => plugin.shutdown({ gracefulMs: 1000, terminateMs: 1000 }));
    const transport = transportTo({ network: plugin.handshake.network, address: plugin.handshake.address });
    await churn(transport, CALLS, async (i, metadata) => {
      const request = toBinary(
        InterceptRequestSchema,
        create(InterceptRequestSchema, { topic: "conformance.modify", payload: { i } }),
      );
      const answer = fromBinary(
        InterceptResponseSchema,
        await transport.unary("/polyplug.v1.Plugin/Intercept", request, { deadline: 20_000, metadata }),
      );
      expect(answer.outcome.case === "modify" ? answer.outcome.value.payload?.i : undefined).toBe(i);
    });
  });
});
