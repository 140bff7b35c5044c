// rpc/h2's connection handling against node:http2's server (nghttp2, an independent HTTP/2
// implementation) and a raw socket: stream limits, flow control, PING, GOAWAY, protocol errors.
import http2 from "node:http2";
import net from "node:net";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { encodeGrpcFrame } from "../../src/rpc/grpc-framing.js";
import { createH2UnaryTransport } from "../../src/rpc/h2/unary-transport.js";
import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { runModuleScript } from "./module-script.js";
import { socketPath } from "./test-server.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Server {
  readonly address: string;
  readonly sessions: http2.ServerHttp2Session[];
  readonly transport: UnaryTransport;
}

/** A node:http2 server on a unix socket answering each request with `respond`, and a transport to it. */
async function server(
  settings: http2.Settings,
  respond: (stream: http2.ServerHttp2Stream, body: Buffer) => void,
  maxMessageBytes = 64 * 1024 * 1024,
): Promise<Server> {
  const sessions: http2.ServerHttp2Session[] = [];
  const h2 = http2.createServer({ settings, maxSessionMemory: 1024 });
  h2.on("session", (session) => sessions.push(session));
  h2.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("error", () => undefined);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => respond(stream, Buffer.concat(chunks)));
  });
  const address = socketPath();
  await new Promise<void>((resolve) => h2.listen(address, resolve));
  const transport = createH2UnaryTransport({ listen: { network: "unix", address }, tls: undefined, maxMessageBytes });
  cleanups.push(() => {
    transport.close();
    for (const session of sessions) session.destroy();
    return new Promise((resolve) => h2.close(resolve));
  });
  return { address, sessions, transport };
}

/** Answers with the request message echoed, status OK in trailers. */
function echo(stream: http2.ServerHttp2Stream, body: Buffer): void {
  if (stream.destroyed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(body);
}

const call = (transport: UnaryTransport, message: Uint8Array, deadline = 20_000) =>
  transport.unary("/test.Svc/Echo", message, { deadline });

describe("rpc/h2 connection", () => {
  it("queues calls above the server's MAX_CONCURRENT_STREAMS (500 at once, 8 allowed)", async () => {
    let open = 0;
    let most = 0;
    const { transport } = await server({ maxConcurrentStreams: 8 }, (stream, body) => {
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        echo(stream, body);
      }, 1);
    });
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => call(transport, Buffer.from(String(i)))));
    expect(answers.map((answer) => answer.toString())).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    expect(most).toBeLessThanOrEqual(8);
  });

  it("keeps the server's stream limit when a later SETTINGS frame leaves MAX_CONCURRENT_STREAMS out", async () => {
    // RFC 9113 §6.5: a setting not in the frame keeps its value (grpc-go's window estimator sends
    // SETTINGS with INITIAL_WINDOW_SIZE only).
    let open = 0;
    let most = 0;
    const { transport, sessions } = await server({ maxConcurrentStreams: 8 }, (stream, body) => {
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        echo(stream, body);
      }, 1);
    });
    expect((await call(transport, Buffer.from("first"))).toString()).toBe("first");
    await new Promise<void>((resolve) => sessions[0]!.settings({ initialWindowSize: 70_000 }, () => resolve()));
    most = 0;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call(transport, Buffer.from(String(i)))));
    expect(answers.map((answer) => answer.toString())).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(most).toBeLessThanOrEqual(8);
  });

  it("sends a big request through a small peer window and frame size (WINDOW_UPDATE driven)", async () => {
    const { transport } = await server({ initialWindowSize: 1000 }, echo);
    const big = Buffer.alloc(3 * 1024 * 1024 + 7).map((_, i) => i % 253);
    const answers = await Promise.all([call(transport, big), call(transport, big.subarray(0, 70_000))]);
    expect(Buffer.compare(answers[0]!, big)).toBe(0);
    expect(Buffer.compare(answers[1]!, big.subarray(0, 70_000))).toBe(0);
  });

  it("answers a server PING while calls run", async () => {
    let pinged: Promise<number> | undefined;
    const { transport } = await server({}, (stream, body) => {
      pinged ??= new Promise((resolve, reject) =>
        stream.session?.ping((error, duration) => (error ? reject(error) : resolve(duration))),
      );
      void pinged.then(() => echo(stream, body));
    });
    expect((await call(transport, Buffer.from("x"))).toString()).toBe("x");
    expect(await pinged).toBeGreaterThanOrEqual(0);
  });

  it("after GOAWAY fails the calls the server did not process and opens a new connection for the next", async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const { transport, sessions } = await server({}, (stream, body) => {
      if (sessions.length > 1) return echo(stream, body);
      held.push(stream);
      if (held.length < 2) return;
      const [first] = held;
      stream.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, first!.id!);
      echo(first!, encodeGrpcFrame(Buffer.from("first")));
    });
    const calls = [call(transport, Buffer.from("a")), call(transport, Buffer.from("b"))].map((promise) =>
      promise.catch((reason: unknown) => reason),
    );
    const [first, second] = await Promise.all(calls);
    expect(String(first)).toBe("first");
    expect(second).toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining("GOAWAY") });
    expect((await call(transport, Buffer.from("c"))).toString()).toBe("c");
    expect(sessions.length).toBe(2);
  });

  it("answers UNAVAILABLE naming the protocol error when the peer sends a malformed frame", async () => {
    const address = socketPath();
    const raw = net.createServer((socket) => {
      socket.once("data", () => socket.write(Buffer.from([0, 0, 3, 6, 0, 0, 0, 0, 0, 1, 2, 3]))); // a 3-byte PING
    });
    await new Promise<void>((resolve) => raw.listen(address, resolve));
    const transport = createH2UnaryTransport({
      listen: { network: "unix", address },
      tls: undefined,
      maxMessageBytes: 1024,
    });
    cleanups.push(() => {
      transport.close();
      return new Promise((resolve) => raw.close(resolve));
    });
    const error = await call(transport, Buffer.from("x")).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining("FRAME_SIZE_ERROR") });
  });

  it("does not keep the process alive while idle", async () => {
    const { address } = await server({}, (stream) => {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "0" },
        { waitForTrailers: false },
      );
      stream.end(encodeGrpcFrame(Buffer.from("ok")));
    });
    const script = `
      const { createH2UnaryTransport } = await import(${JSON.stringify(new URL("../../dist/rpc/h2/unary-transport.js", import.meta.url).pathname)});
      const t = createH2UnaryTransport({ listen: { network: "unix", address: ${JSON.stringify(address)} }, tls: undefined, maxMessageBytes: 1024 });
      const answer = await t.unary("/test.Svc/Echo", new Uint8Array([1]));
      console.log(Buffer.from(answer).toString());`;
    const { out, code } = await runModuleScript(script, cleanups);
    expect(out.trim()).toBe("ok");
    expect(code).toBe(0);
  }, 15_000);
});
