import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { type PublicServerCounters, registerPublicServerMetrics } from "./public-server-metrics.js";

function counters(scale: number): PublicServerCounters {
  return {
    connections: { open: 3 * scale, refused: { max_connections: 2 * scale, max_per_address: scale } },
    rapidResetSessions: 4 * scale,
    requestTimeouts: 5 * scale,
    calls: { inFlight: 6 * scale, queued: 7 * scale, shed: { queue_full: 8 * scale, queue_timeout: 9 * scale } },
    webSocketRefused: 10 * scale,
  };
}

/** The exposition's sample lines (no HELP/TYPE), sorted. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics())
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .sort();
}

describe("the public server's metrics", () => {
  it("export levels as gauges and the server's totals as counters, by reason where it counts by reason", async () => {
    const registry = new Registry();
    let stats: PublicServerCounters | undefined = counters(1);
    registerPublicServerMetrics(registry, () => stats);
    const types = (await registry.metrics()).split("\n").filter((line) => line.startsWith("# TYPE"));
    expect(types.sort()).toEqual([
      "# TYPE polyplug_public_calls_in_flight gauge",
      "# TYPE polyplug_public_calls_queued gauge",
      "# TYPE polyplug_public_calls_shed_total counter",
      "# TYPE polyplug_public_connections gauge",
      "# TYPE polyplug_public_connections_refused_total counter",
      "# TYPE polyplug_public_rapid_reset_closes_total counter",
      "# TYPE polyplug_public_request_timeouts_total counter",
      "# TYPE polyplug_public_websocket_refused_total counter",
    ]);
    expect(await samples(registry)).toEqual([
      "polyplug_public_calls_in_flight 6",
      "polyplug_public_calls_queued 7",
      'polyplug_public_calls_shed_total{reason="queue_full"} 8',
      'polyplug_public_calls_shed_total{reason="queue_timeout"} 9',
      "polyplug_public_connections 3",
      'polyplug_public_connections_refused_total{reason="max_connections"} 2',
      'polyplug_public_connections_refused_total{reason="max_per_address"} 1',
      "polyplug_public_rapid_reset_closes_total 4",
      "polyplug_public_request_timeouts_total 5",
      "polyplug_public_websocket_refused_total 10",
    ]);
    // Totals follow the server's (counters advance by the difference); levels are read as they are.
    stats = counters(2);
    expect(await samples(registry)).toContain("polyplug_public_request_timeouts_total 10");
    expect(await samples(registry)).toContain('polyplug_public_calls_shed_total{reason="queue_timeout"} 18');
    expect(await samples(registry)).toContain("polyplug_public_calls_queued 14");
    // A server whose totals went back (a new one) never makes a counter go down.
    stats = counters(1);
    expect(await samples(registry)).toContain("polyplug_public_request_timeouts_total 10");
    expect(await samples(registry)).toContain("polyplug_public_calls_queued 7");
  });

  it("exports nothing before there is a public server", async () => {
    const registry = new Registry();
    registerPublicServerMetrics(registry, () => undefined);
    const lines = await samples(registry);
    expect(lines.filter((line) => !line.includes("{") && !line.endsWith(" 0"))).toEqual([]);
    expect(lines.filter((line) => line.includes("{"))).toEqual([]);
  });
});
