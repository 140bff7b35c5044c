// ServeHTTP streams both ways: multi-MB bodies in ≤ 64 KiB frames, trailers, and the
// contract's error rules before and after the response head.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PluginClient } from "../../src/entry/host.js";
import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { Plugin, type ServeHTTPResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { ensureSdkBuilt, sdkPaths, startActivated, startNodePlugin, stopAll } from "./harness.js";

const CHUNK = 64 * 1024;

async function exchange(
  plugin: PluginClient,
  head: { method: string; path: string; rawQuery?: string; headers?: Array<{ name: string; value: string }> },
  body?: Buffer,
) {
  const call = plugin.client(Plugin).serveHTTP();
  call.send({
    frame: {
      case: "head",
      value: {
        method: head.method,
        path: head.path,
        rawQuery: head.rawQuery ?? "",
        headers: head.headers ?? [],
        context: { requestId: "http-1" },
      },
    },
  });
  if (body)
    for (let offset = 0; offset < body.length; offset += CHUNK)
      call.send({ frame: { case: "body", value: body.subarray(offset, offset + CHUNK) } });
  call.send({ frame: { case: "end", value: { trailers: [{ name: "x-client-trailer", value: "t" }] } } });
  call.end();
  const frames: ServeHTTPResponse[] = [];
  for await (const frame of call.responses) frames.push(frame);
  const chunks = frames.flatMap((f) => (f.frame.case === "body" ? [f.frame.value] : []));
  return { frames, chunks, body: Buffer.concat(chunks), kinds: [...new Set(frames.map((f) => f.frame.case))] };
}

beforeAll(ensureSdkBuilt);
afterAll(stopAll);

describe("ServeHTTP", () => {
  it("echoes a 6 MiB body both ways in ≤ 64 KiB chunks with trailers (auditlog example)", async () => {
    const { plugin } = await startActivated(sdkPaths.example("auditlog"));
    const body = randomBytes(6 * 1024 * 1024 + 123);
    const result = await exchange(
      plugin,
      { method: "POST", path: "/echo", headers: [{ name: "content-type", value: "application/x-test" }] },
      body,
    );
    expect(result.frames[0]?.frame).toMatchObject({
      case: "head",
      value: { status: 200, headers: [{ name: "content-type", value: "application/x-test" }] },
    });
    expect(result.body.equals(body)).toBe(true);
    expect(result.chunks.length).toBeGreaterThan(90);
    expect(Math.max(...result.chunks.map((c) => c.length))).toBeLessThanOrEqual(CHUNK);
    const last = result.frames[result.frames.length - 1]?.frame;
    expect(last).toMatchObject({ case: "trailers" });
    const trailers = Object.fromEntries(
      (last?.case === "trailers" ? last.value.headers : []).map((h) => [h.name, h.value]),
    );
    expect(trailers).toEqual({
      "x-bytes": String(body.length),
      "x-sha256": createHash("sha256").update(body).digest("hex"),
    });
  });

  it("streams a large generated response and reads a request body without buffering it whole", async () => {
    const plugin = await startNodePlugin(sdkPaths.fixture("faulty-plugin.mjs"));
    const down = await exchange(plugin, { method: "GET", path: "/blob", rawQuery: "size=5000000" });
    expect(down.body.length).toBe(5_000_000);
    expect(Math.max(...down.chunks.map((c) => c.length))).toBeLessThanOrEqual(CHUNK);
    expect(down.kinds).toEqual(["head", "body", "trailers"]);

    const up = await exchange(plugin, { method: "POST", path: "/count/sub" }, randomBytes(3 * 1024 * 1024));
    expect(up.frames[0]?.frame).toMatchObject({ case: "head", value: { status: 201 } });
    expect(JSON.parse(up.body.toString())).toEqual({
      bytes: 3 * 1024 * 1024,
      chunks: 48,
      trailers: [{ name: "x-client-trailer", value: "t" }],
    });
  });

  it("follows the error rules: error frame before or after the head, implicit head when the handler writes nothing", async () => {
    const plugin = await startNodePlugin(sdkPaths.fixture("faulty-plugin.mjs"));
    const before = await exchange(plugin, { method: "PUT", path: "/fail-before-head" });
    expect(before.frames.map((f) => f.frame.case)).toEqual(["error"]);
    expect(before.frames[0]?.frame.value).toMatchObject({
      code: ErrorCode.PLUGIN_FAILED,
      message: "failed before the head",
    });
    const after = await exchange(plugin, { method: "GET", path: "/fail-after-head" });
    expect(after.frames.map((f) => f.frame.case)).toEqual(["head", "body", "error"]);
    const empty = await exchange(plugin, { method: "GET", path: "/no-head" });
    expect(empty.frames.map((f) => f.frame.case)).toEqual(["head"]);
    expect(empty.frames[0]?.frame.value).toMatchObject({ status: 200 });
    const missing = await exchange(plugin, { method: "GET", path: "/nothing-here" });
    expect(missing.frames[0]?.frame.value).toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});
