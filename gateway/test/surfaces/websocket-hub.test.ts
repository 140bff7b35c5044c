import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EventAudience, PublishedEvent } from "../../src/plugin-api/events.js";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { FakeDispatcher } from "./fake-dispatcher.js";

let server: PublicServer;

beforeAll(async () => {
  server = await startPublicServer({
    port: 0,
    dispatcher: new FakeDispatcher(),
    events: { maxQueuedFrames: 200, maxInFlightBytes: 256 * 1024 },
  });
});
afterAll(() => server.close());

interface Frame {
  type: string;
  client_id?: string;
  labels?: Record<string, string>;
  event?: string;
  plugin_id?: string;
  payload?: Record<string, unknown>;
  request_id?: string;
  published_at?: string;
  count?: number;
}

/** A connected test client: its id and every frame it received so far. */
async function connect(query = ""): Promise<{ socket: WebSocket; id: string; frames: Frame[] }> {
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/v1/events${query}`);
  const frames: Frame[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  await expect.poll(() => frames.length).toBeGreaterThan(0);
  const hello = frames.shift() as Frame;
  expect(hello.type).toBe("hello");
  return { socket, id: hello.client_id as string, frames };
}

function event(name: string, audience: Partial<EventAudience> = {}, payload: JsonObject = {}): PublishedEvent {
  return {
    pluginId: "chat",
    event: `chat.${name}`,
    payload,
    audience: { clientIds: [], matchLabels: {}, omitClientIds: [], ...audience },
    requestId: "req-1",
    publishedAt: Date.UTC(2030, 0, 1),
  };
}

const names = (frames: Frame[]) => frames.filter((f) => f.type === "event").map((f) => f.event);

describe("WebSocket event hub", () => {
  it("greets clients with their id and labels and delivers event frames", async () => {
    const client = await connect("?label.team=blue&label.role=admin&other=ignored");
    expect(server.hub.clients().find((c) => c.id === client.id)?.labels).toEqual({ team: "blue", role: "admin" });
    expect(server.hub.publish(event("hello", { clientIds: [client.id] }, { text: "hi" }))).toBe(1);
    await expect.poll(() => client.frames.length).toBe(1);
    expect(client.frames[0]).toEqual({
      type: "event",
      event: "chat.hello",
      plugin_id: "chat",
      payload: { text: "hi" },
      request_id: "req-1",
      published_at: "2030-01-01T00:00:00.000Z",
    });
    client.socket.close();
  });

  it("filters by client ids, labels (all must match) and omitted ids", async () => {
    const blueAdmin = await connect("?label.team=blue&label.role=admin");
    const blue = await connect("?label.team=blue");
    const red = await connect("?label.team=red");
    const all = [blueAdmin, blue, red];
    server.hub.publish(event("to-blue", { matchLabels: { team: "blue" } }));
    server.hub.publish(event("to-blue-admins", { matchLabels: { team: "blue", role: "admin" } }));
    server.hub.publish(event("to-red-by-id", { clientIds: [red.id] }));
    server.hub.publish(event("not-blue", { omitClientIds: [blue.id] }));
    server.hub.publish(event("listed-but-omitted", { clientIds: [blue.id], omitClientIds: [blue.id] }));
    server.hub.publish(event("end"));
    for (const client of all) await expect.poll(() => names(client.frames).at(-1)).toBe("chat.end");
    expect(names(blueAdmin.frames)).toEqual(["chat.to-blue", "chat.to-blue-admins", "chat.not-blue", "chat.end"]);
    expect(names(blue.frames)).toEqual(["chat.to-blue", "chat.end"]);
    expect(names(red.frames)).toEqual(["chat.to-red-by-id", "chat.not-blue", "chat.end"]);
    for (const client of all) client.socket.close();
  });

  it("drops the oldest events of a slow client without slowing publish or other clients", async () => {
    const slow = await connect("?label.speed=slow");
    const fast = await connect("?label.speed=fast");
    slow.socket.pause(); // stops reading: its TCP window fills, the gateway must queue
    const payload = { blob: "x".repeat(16 * 1024) };
    // "Without slowing publish" is shown structurally (publish returns at once with the
    // event queued for both clients, and the slow client's queue stays bounded), not by a
    // wall-clock limit that a loaded machine could break.
    for (let i = 0; i < 2000; i++) {
      expect(server.hub.publish(event(`n${i}`, {}, payload))).toBe(2);
      // Events arrive over time, as they do from plugins; a reading client keeps up.
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await expect.poll(() => names(fast.frames).length, { timeout: 15_000 }).toBe(2000);
    expect(fast.frames.some((f) => f.type === "dropped")).toBe(false);
    const slowStats = server.hub.clients().find((c) => c.id === slow.id);
    expect(slowStats?.dropped).toBeGreaterThan(0);
    expect(slowStats?.queued).toBeLessThanOrEqual(200);
    slow.socket.resume();
    await expect.poll(() => names(slow.frames).at(-1), { timeout: 15_000 }).toBe("chat.n1999");
    const dropped = slow.frames.filter((f) => f.type === "dropped").reduce((sum, f) => sum + (f.count ?? 0), 0);
    expect(dropped).toBe(slowStats?.dropped);
    expect(names(slow.frames).length + dropped).toBe(2000);
    slow.socket.close();
    fast.socket.close();
  });

  it("refuses malformed labels with 400 and other upgrade paths with 404", async () => {
    const status = (path: string) =>
      new Promise<number | undefined>((resolve) => {
        const socket = new WebSocket(`${server.url.replace("http", "ws")}${path}`);
        socket.on("unexpected-response", (_req, res) => resolve(res.statusCode));
        socket.on("error", () => resolve(undefined));
      });
    expect(await status("/v1/events?label.BAD=1")).toBe(400);
    expect(await status("/elsewhere")).toBe(404);
  });

  it("closes clients with 1001 when the server closes", async () => {
    const own = await startPublicServer({ port: 0, dispatcher: new FakeDispatcher() });
    const socket = new WebSocket(`${own.url.replace("http", "ws")}/v1/events`);
    await new Promise((resolve) => socket.once("message", resolve));
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    await own.close();
    expect(await closed).toBe(1001);
  });

  it("cuts off a client that stops reading when the server closes", async () => {
    const own = await startPublicServer({ port: 0, dispatcher: new FakeDispatcher(), events: { closeGraceMs: 200 } });
    const socket = new WebSocket(`${own.url.replace("http", "ws")}/v1/events`);
    await new Promise((resolve) => socket.once("message", resolve));
    socket.pause();
    for (let i = 0; i < 500; i++) own.hub.publish(event(`e${i}`, {}, { blob: "x".repeat(16 * 1024) }));
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
