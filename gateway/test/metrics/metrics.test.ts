// Prometheus metrics of a real gateway with scripted Go plugins, scraped over HTTP and
// parsed as the text exposition format.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { WebSocket } from "ws";
import { createMetricsRoute } from "../../src/metrics/metrics-route.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { eventually } from "../log-capture.js";
import { dataDir, scriptedPluginsDir } from "../runtime/scripted-plugins.js";
import { parseExposition, sampleValue, type Exposition } from "./exposition.js";

const A = "com.test.metrics.a";
const B = "com.test.metrics.b";

let gateway: Gateway;
let server: Server;
let metricsUrl: string;

beforeAll(async () => {
  gateway = await createGateway({
    pluginsDirs: [
      scriptedPluginsDir([
        { id: A, priority: 10 },
        { id: B, priority: 20 },
      ]),
    ],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    policy: { restartBaseMs: 50, healthIntervalMs: 60_000 },
  });
  const route = createMetricsRoute(gateway.metrics);
  server = createServer((req, res) => {
    if (!route(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

async function scrape(): Promise<Exposition> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

describe("GET /metrics", () => {
  it("has hook latency histograms per plugin and hook, and calls by outcome", async () => {
    await gateway.dispatcher.intercept("test.run", { script: { [A]: "proceed", [B]: "reject:no" } });
    await gateway.dispatcher.intercept("test.run", { script: { [A]: "modify", [B]: "fail" } });
    gateway.dispatcher.notify("test.note", {});
    await gateway.dispatcher.drained();

    const metrics = await scrape();
    expect(metrics.types.get("polyplug_hook_duration_seconds")).toBe("histogram");
    expect(metrics.types.get("polyplug_hook_calls_total")).toBe("counter");
    expect(sampleValue(metrics, "polyplug_hook_duration_seconds_count", { plugin_id: A, hook: "intercept" })).toBe(2);
    expect(
      sampleValue(metrics, "polyplug_hook_duration_seconds_bucket", { plugin_id: A, hook: "intercept", le: "+Inf" }),
    ).toBe(2);
    expect(
      sampleValue(metrics, "polyplug_hook_duration_seconds_sum", { plugin_id: A, hook: "intercept" }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: A, hook: "intercept", outcome: "proceed" }),
    ).toBe(1);
    expect(
      sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: A, hook: "intercept", outcome: "modify" }),
    ).toBe(1);
    expect(
      sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: B, hook: "intercept", outcome: "reject" }),
    ).toBe(1);
    expect(
      sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: B, hook: "intercept", outcome: "failed-open" }),
    ).toBe(1);
    expect(sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: A, hook: "notify", outcome: "ok" })).toBe(1);
    expect(sampleValue(metrics, "polyplug_hook_duration_seconds_count", { plugin_id: B, hook: "notify" })).toBe(1);
  });

  it("counts KV operations by plugin, operation and result", async () => {
    await gateway.dispatcher.intercept("test.kv", {
      kv: { op: "set", key: "k", value: "v" },
      script: { [A]: "proceed", [B]: "proceed" },
    });
    await gateway.dispatcher.intercept("test.kv", {
      kv: { op: "get", key: "k" },
      script: { [A]: "proceed", [B]: "proceed" },
    });
    await gateway.dispatcher.intercept("test.kv", {
      kv: { op: "get", key: "absent" },
      script: { [A]: "proceed", [B]: "proceed" },
    });
    const metrics = await scrape();
    expect(metrics.types.get("polyplug_kv_operations_total")).toBe("counter");
    expect(
      sampleValue(metrics, "polyplug_kv_operations_total", { plugin_id: A, operation: "set", result: "applied" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(metrics, "polyplug_kv_operations_total", { plugin_id: A, operation: "get", result: "hit" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(metrics, "polyplug_kv_operations_total", { plugin_id: A, operation: "get", result: "miss" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("reports plugin states, restarts and WebSocket clients at scrape time", async () => {
    let metrics = await scrape();
    expect(sampleValue(metrics, "polyplug_plugin_state", { plugin_id: A, state: "active" })).toBe(1);
    expect(sampleValue(metrics, "polyplug_plugin_state", { plugin_id: A, state: "failed" })).toBe(0);
    expect(sampleValue(metrics, "polyplug_plugin_restarts_total", { plugin_id: A })).toBe(0);

    await gateway.dispatcher.intercept("test.run", { script: { [A]: "crash", [B]: "proceed" } });
    await eventually(
      () => gateway.plugin(A).restarts === 1 && gateway.plugin(A).state === "active",
      20_000,
      "plugin A restarted",
    );
    await gateway.disable(B);
    const socket = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/v1/events`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    try {
      metrics = await scrape();
      expect(sampleValue(metrics, "polyplug_plugin_restarts_total", { plugin_id: A })).toBe(1);
      expect(sampleValue(metrics, "polyplug_plugin_state", { plugin_id: B, state: "not-running" })).toBe(1);
      expect(sampleValue(metrics, "polyplug_plugin_state", { plugin_id: B, state: "active" })).toBe(0);
      expect(sampleValue(metrics, "polyplug_websocket_clients")).toBe(1);
      expect(sampleValue(metrics, "process_resident_memory_bytes")).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });

  it("refuses other methods", async () => {
    const response = await fetch(metricsUrl, { method: "POST" });
    expect(response.status).toBe(405);
  });
});
