// The gateway's public surfaces end to end: Connect JSON over HTTP/1.1, plugin HTTP
// routes streaming large bodies, and WebSocket events published by real plugins.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { dataDir, scriptedPluginsDir } from "./scripted-plugins.js";
import { subscribeEvents } from "../event-socket.js";
import { eventually } from "../log-capture.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway({
    pluginsDirs: [
      scriptedPluginsDir([
        { id: "p.a", priority: 1 },
        { id: "p.b", priority: 2 },
      ]),
    ],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
  });
});
afterAll(() => gateway.stop());

async function postJson(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("public API (Connect JSON over HTTP/1.1, as curl uses it)", () => {
  it("answers an intercept chain with the verdict", async () => {
    const { status, json } = await postJson("/polyplug.v1.Gateway/Intercept", {
      topic: "test.http",
      payload: { text: "hi", script: { "p.a": "modify", "p.b": "reject:not today" } },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ allowed: false, rejection: { pluginId: "p.b", reason: "not today" } });
  });

  it("rejects malformed input with a code", async () => {
    const bad = await postJson("/polyplug.v1.Gateway/Intercept", { topic: "NOT VALID", payload: {} });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_argument");
    const command = await postJson("/polyplug.v1.Gateway/ExecuteCommand", { line: "/nobody-has-this" });
    expect(command.status).toBe(404);
  });
});

describe("plugin HTTP routes", () => {
  it("streams a large response body from the plugin", async () => {
    const bytes = 5 * 1024 * 1024;
    const response = await fetch(`${gateway.url}/plugins/p.a/big?bytes=${bytes}`);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(bytes);
  });

  it("streams a large request body to the plugin and back", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const req = request(`${gateway.url}/plugins/p.a/echo`, { method: "POST" }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(Buffer.concat(chunks)));
      });
      req.on("error", reject);
      for (let offset = 0; offset < body.length; offset += 256 * 1024)
        req.write(body.subarray(offset, offset + 256 * 1024));
      req.end();
    });
    expect(echoed.equals(body)).toBe(true);
  });

  it("strips identity headers a client tries to forge", async () => {
    const response = await fetch(`${gateway.url}/plugins/p.a/headers`, {
      headers: { "Polyplug-User-Id": "admin", "X-Other": "kept" },
    });
    const headers = (await response.json()) as Record<string, string[]>;
    expect(headers["Polyplug-User-Id"]).toBeUndefined();
    expect(headers["X-Other"]).toEqual(["kept"]);
  });

  it("answers 404 for an unknown plugin", async () => {
    expect((await fetch(`${gateway.url}/plugins/nope/x`)).status).toBe(404);
  });
});

describe("WebSocket events", () => {
  it("delivers an event a plugin published while handling a notification", async () => {
    const { socket, events } = await subscribeEvents(gateway.url);
    gateway.dispatcher.notify("test.ws", { hello: true });
    await eventually(() => events.length >= 2, 10_000, "both plugins' events");
    socket.close();
    expect(events.map((e) => e.event).sort()).toEqual(["p.a.notified", "p.b.notified"]);
    expect(events[0]).toMatchObject({ type: "event", payload: { topic: "test.ws", count: 1 } });
  });
});
