import { spawn } from "node:child_process";
import http2 from "node:http2";
import type { Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeGrpcFrame } from "../../src/rpc/grpc-framing.js";
import { createHttp2UnaryTransport } from "../../src/rpc/http2-unary.js";
import {
  GrpcCallError,
  type Http2UnaryOptions,
  type UnaryTransport,
} from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { socketPath, UNARY_TRANSPORTS } from "./test-server.js";

let createTransport: (options: Http2UnaryOptions) => UnaryTransport = createHttp2UnaryTransport;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Answers one request; `drop()` destroys the raw connection like a crashed peer would. */
type Respond = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, drop: () => void) => void;

/** A bare HTTP/2 server on a unix socket that answers every request with `respond`, and a transport to it. */
async function rawServer(respond: Respond): Promise<{ transport: UnaryTransport; seen: http2.IncomingHttpHeaders[] }> {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  const sockets: Socket[] = [];
  server.on("connection", (socket: Socket) => sockets.push(socket));
  server.on("stream", (stream, headers) => {
    seen.push(headers);
    stream.on("error", () => undefined);
    stream.resume();
    respond(stream, headers, () => {
      for (const socket of sockets) socket.destroy();
    });
  });
  const address = socketPath();
  await new Promise<void>((resolve) => server.listen(address, resolve));
  const transport = createTransport({ listen: { network: "unix", address }, tls: undefined, maxMessageBytes: 1024 });
  cleanups.push(() => {
    transport.close();
    return new Promise((resolve) => server.close(resolve));
  });
  return { transport, seen };
}

async function callError(transport: UnaryTransport): Promise<GrpcCallError> {
  const error: unknown = await transport.unary("/test.Svc/Call", new Uint8Array([1, 2]), { deadline: 5000 }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GrpcCallError);
  return error as GrpcCallError;
}

const grpcHeaders = { ":status": 200, "content-type": "application/grpc" };

describe.each(UNARY_TRANSPORTS)("%s transport on the wire", (_name, create) => {
  beforeEach(() => {
    createTransport = create;
  });

  it("sends the gRPC request headers and one framed message", async () => {
    let body = Buffer.alloc(0);
    const { transport, seen } = await rawServer((stream) => {
      stream.on("data", (chunk: Buffer) => (body = Buffer.concat([body, chunk])));
      stream.on("end", () => {
        stream.respond(grpcHeaders, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(encodeGrpcFrame(new Uint8Array([42])));
      });
    });
    const answer = await transport.unary("/test.Svc/Call", new Uint8Array([1, 2]), {
      deadline: 2500,
      metadata: { "x-trace": "abc", te: "nope" },
    });
    expect([...answer]).toEqual([42]);
    expect([...body]).toEqual([0, 0, 0, 0, 2, 1, 2]);
    expect(seen[0]).toMatchObject({
      ":method": "POST",
      ":path": "/test.Svc/Call",
      "content-type": "application/grpc",
      te: "trailers",
      "x-trace": "abc",
    });
    expect(seen[0]?.["grpc-timeout"]).toMatch(/^(2500|2499)m$/);
  });

  it("reads a trailers-only response (status in the headers) and percent-decodes the message", async () => {
    const { transport } = await rawServer((stream) =>
      stream.respond(
        { ...grpcHeaders, "grpc-status": "7", "grpc-message": "not allowed: %C3%A9t%C3%A9" },
        { endStream: true },
      ),
    );
    expect(await callError(transport)).toMatchObject({ code: status.PERMISSION_DENIED, details: "not allowed: été" });
  });

  it("refuses a compressed response", async () => {
    const { transport } = await rawServer((stream) => {
      stream.respond(grpcHeaders, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.from([1, 0, 0, 0, 1, 9]));
    });
    const error = await callError(transport);
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toContain("compressed");
  });

  it("maps an HTTP error without a gRPC status, and OK without a message", async () => {
    const notFound = await rawServer((stream) => stream.respond({ ":status": 404 }, { endStream: true }));
    expect(await callError(notFound.transport)).toMatchObject({
      code: status.UNIMPLEMENTED,
      details: expect.stringContaining("HTTP status 404"),
    });
    const empty = await rawServer((stream) =>
      stream.respond({ ...grpcHeaders, "grpc-status": "0" }, { endStream: true }),
    );
    expect(await callError(empty.transport)).toMatchObject({
      code: status.INTERNAL,
      details: expect.stringContaining("without a response message"),
    });
  });

  it("refuses two messages for a unary call, and a stream that ends mid-message", async () => {
    const two = await rawServer((stream) => {
      stream.respond(grpcHeaders, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.concat([encodeGrpcFrame(new Uint8Array([1])), encodeGrpcFrame(new Uint8Array([2]))]));
    });
    expect((await callError(two.transport)).details).toContain("more than one message");
    const cut = await rawServer((stream) => {
      stream.respond(grpcHeaders, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(encodeGrpcFrame(new Uint8Array(10)).subarray(0, 8));
    });
    expect((await callError(cut.transport)).details).toContain("middle of a message");
  });

  it("answers UNAVAILABLE when the connection drops mid-call", async () => {
    const { transport } = await rawServer((_stream, _headers, drop) => drop());
    const error = await callError(transport);
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toContain("lost");
  });

  it("answers UNAVAILABLE when the server process crashes mid-call, and again while it is gone", async () => {
    const address = socketPath();
    const child = spawn(
      process.execPath,
      [path.join(path.dirname(fileURLToPath(import.meta.url)), "crashing-server.mjs"), address],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => child.kill("SIGKILL"));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`crashing-server exited early (${String(code)})`)));
    });
    const transport = createTransport({ listen: { network: "unix", address }, tls: undefined, maxMessageBytes: 1024 });
    cleanups.push(() => transport.close());
    const crash = await transport
      .unary("/test.Crash/Crash", new Uint8Array([1]), { deadline: 10_000 })
      .catch((reason: unknown) => reason);
    expect(crash).toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining(address) });
    const after = await transport
      .unary("/test.Crash/Crash", new Uint8Array([1]), { deadline: 10_000 })
      .catch((reason: unknown) => reason);
    expect(after).toMatchObject({ code: status.UNAVAILABLE });
  });
});
