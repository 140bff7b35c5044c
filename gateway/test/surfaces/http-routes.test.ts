import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import type { ServeHTTPRequest } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { FakeDispatcher, type ResponseFrame } from "./fake-dispatcher.js";

let dispatcher: FakeDispatcher;
let server: PublicServer;

beforeAll(async () => {
  dispatcher = new FakeDispatcher();
  server = await startPublicServer({ port: 0, dispatcher });
});
afterAll(() => server.close());
beforeEach(() => {
  dispatcher.streams.length = 0;
  dispatcher.httpHandlers.clear();
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A plugin that echoes the request body back, reporting the head and frame sizes it saw. */
async function* echo(requests: AsyncIterable<ServeHTTPRequest>): AsyncIterable<ResponseFrame> {
  let headSent = false;
  let largest = 0;
  for await (const { frame } of requests) {
    if (frame.case === "head") {
      yield {
        frame: {
          case: "head",
          value: {
            status: 200,
            headers: [
              { name: "x-path", value: `${frame.value.method} ${frame.value.path}?${frame.value.rawQuery}` },
              { name: "trailer", value: "x-largest" },
            ],
          },
        },
      };
      headSent = true;
    } else if (frame.case === "body") {
      largest = Math.max(largest, frame.value.length);
      yield { frame: { case: "body", value: frame.value } };
    } else if (frame.case === "end") {
      yield { frame: { case: "trailers", value: { headers: [{ name: "x-largest", value: String(largest) }] } } };
    }
  }
  if (!headSent) throw new Error("no head");
}

/** Sends `body` to `path` over HTTP/2 with Node's client; resolves status, headers, body and trailers. */
function h2Request(path: string, body: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: http2.IncomingHttpHeaders;
    body: Buffer;
    trailers: http2.IncomingHttpHeaders;
  }>((resolve, reject) => {
    const session = http2.connect(server.url);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, ...headers });
    const chunks: Buffer[] = [];
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (responseHeaders = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({
        status: Number(responseHeaders[":status"]),
        headers: responseHeaders,
        body: Buffer.concat(chunks),
        trailers,
      });
    });
    stream.end(body);
  });
}

describe("plugin HTTP routes", () => {
  it("streams a multi-MB body to the plugin and back over HTTP/1.1 in ≤64 KiB frames", async () => {
    dispatcher.httpHandlers.set("echo-plugin", echo);
    const body = randomBytes(6 * 1024 * 1024 + 123);
    const response = await fetch(`${server.url}/plugins/echo-plugin/upload/file?a=1&b=%20`, { method: "POST", body });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-path")).toBe("POST /upload/file?a=1&b=%20");
    const echoed = new Uint8Array(await response.arrayBuffer());
    expect(echoed.length).toBe(body.length);
    expect(sha256(echoed)).toBe(sha256(body));
    const [opened] = dispatcher.streams;
    expect(opened).toMatchObject({
      pluginId: "echo-plugin",
      method: "POST",
      path: "/upload/file",
      halfClosed: true,
      cancelled: false,
    });
  });

  it("pauses the client's upload while the plugin reads slowly (back-pressure)", async () => {
    let bytes = 0;
    dispatcher.httpHandlers.set("slow-reader", async function* (requests) {
      for await (const { frame } of requests) {
        if (frame.case === "body") bytes += frame.value.length;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      yield { frame: { case: "head", value: { status: 200, headers: [] } } };
      yield { frame: { case: "body", value: Buffer.from(String(bytes)) } };
    });
    const body = randomBytes(4 * 1024 * 1024);
    const response = await fetch(`${server.url}/plugins/slow-reader/`, { method: "POST", body });
    expect(await response.text()).toBe(String(body.length));
    // One client chunk can be split into a few frames past the high-water mark, no more.
    expect(dispatcher.streams[0]?.requests.maxQueued).toBeLessThanOrEqual(dispatcher.requestHighWater + 8);
  });

  it("streams both ways over HTTP/2 and forwards trailers", async () => {
    dispatcher.httpHandlers.set("echo-plugin", echo);
    const body = randomBytes(3 * 1024 * 1024);
    const response = await h2Request("/plugins/echo-plugin", body);
    expect(response.status).toBe(200);
    expect(response.headers["x-path"]).toBe("POST /?");
    expect(sha256(response.body)).toBe(sha256(body));
    expect(Number(response.trailers["x-largest"])).toBeLessThanOrEqual(64 * 1024);
    expect(Number(response.trailers["x-largest"])).toBeGreaterThan(0);
  });

  it("strips client identity and hop-by-hop headers, then adds polyplug-request-id", async () => {
    let seen: ServeHTTPRequest | undefined;
    dispatcher.httpHandlers.set("headers", async function* (requests) {
      for await (const request of requests) {
        seen ??= request;
        if (request.frame.case === "end") break;
      }
      yield { frame: { case: "head", value: { status: 204, headers: [] } } };
    });
    // node:http rather than fetch: fetch refuses to send a custom Connection header.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(`${server.url}/plugins/headers/x`, {
        headers: {
          "Polyplug-User-Id": "admin",
          "X-Polyplug-Role": "root",
          "polyplug-request-id": "forged",
          "X-Custom": "kept",
          Connection: "x-hop",
          "X-Hop": "gone",
        },
      });
      request.on("response", (response) => resolve(response.resume().statusCode));
      request.on("error", reject);
      request.end();
    });
    expect(status).toBe(204);
    expect(seen?.frame.case).toBe("head");
    const head = seen?.frame.case === "head" ? seen.frame.value : undefined;
    const names = head?.headers.map((h) => h.name) ?? [];
    expect(names.filter((name) => name.includes("polyplug"))).toEqual(["polyplug-request-id"]);
    expect(head?.headers.find((h) => h.name === "polyplug-request-id")?.value).toBe("req-http-1");
    expect(head?.headers.find((h) => h.name === "x-custom")?.value).toBe("kept");
    expect(names).not.toContain("x-hop");
    expect(names).not.toContain("connection");
    expect(head?.context?.requestId).toBe("req-http-1");
    expect(head?.context?.pluginId).toBe("headers");
    expect(head?.context?.metadata).toEqual({ ip: "127.0.0.1" });
    expect(head?.remoteAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("answers 404 with a JSON error for an unknown plugin", async () => {
    const response = await fetch(`${server.url}/plugins/missing-plugin/x`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
  });

  it.each([
    [
      "an error frame before the head",
      [{ frame: { case: "error", value: { code: ErrorCode.DEADLINE_EXCEEDED, message: "slow db" } } }],
      504,
      "deadline_exceeded",
    ],
    [
      "a plugin failure before the head",
      [{ frame: { case: "error", value: { code: ErrorCode.PLUGIN_FAILED, message: "boom" } } }],
      500,
      "plugin_failed",
    ],
    ["no head at all", [], 502, "plugin_failed"],
    ["an invalid status", [{ frame: { case: "head", value: { status: 42 } } }], 502, "plugin_failed"],
  ] as [string, ResponseFrame[], number, string][])(
    "maps %s to an HTTP error status",
    async (_name, frames, status, code) => {
      dispatcher.httpHandlers.set("scripted", async function* () {
        yield* frames;
      });
      const response = await fetch(`${server.url}/plugins/scripted/`);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
    },
  );

  it("aborts the client response on an error after the head", async () => {
    dispatcher.httpHandlers.set("breaks", async function* () {
      yield { frame: { case: "head", value: { status: 200, headers: [] } } };
      yield { frame: { case: "body", value: Buffer.from("partial") } };
      yield { frame: { case: "error", value: { code: ErrorCode.INTERNAL, message: "lost" } } };
    });
    // Depending on timing the client sees the head and a truncated body, or a closed socket.
    const outcome = await fetch(`${server.url}/plugins/breaks/`)
      .then((response) => response.text())
      .then(
        () => "complete",
        () => "aborted",
      );
    expect(outcome).toBe("aborted");
  });

  it("cancels the plugin stream when the client disconnects", async () => {
    dispatcher.httpHandlers.set("endless", async function* (_requests, signal) {
      yield { frame: { case: "head", value: { status: 200, headers: [] } } };
      while (!signal.aborted) {
        yield { frame: { case: "body", value: Buffer.alloc(64 * 1024) } };
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    const abort = new AbortController();
    const response = await fetch(`${server.url}/plugins/endless/`, { signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await expect.poll(() => dispatcher.streams[0]?.cancelled, { timeout: 5000 }).toBe(true);
  });

  it("lets the plugin answer without reading the request body", async () => {
    dispatcher.httpHandlers.set("early", async function* () {
      yield {
        frame: { case: "head", value: { status: 413, headers: [{ name: "content-type", value: "text/plain" }] } },
      };
      yield { frame: { case: "body", value: Buffer.from("too big for me") } };
    });
    const response = await fetch(`${server.url}/plugins/early/`, { method: "PUT", body: randomBytes(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("too big for me");
  });
});
