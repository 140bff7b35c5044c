// The batched hook recorder against prom-client's own metrics: what a render shows must be
// exactly what observing each call directly would have shown.
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createGatewayMetrics, HOOK_LATENCY_BUCKETS } from "../../src/metrics/gateway-metrics.js";
import type { HookObservation } from "../../src/metrics/hook-recorder.js";
import { parseExposition, sampleValue } from "./exposition.js";

/** The same calls observed one by one, the plain prom-client way. */
async function direct(calls: readonly HookObservation[]): Promise<string> {
  const registry = new Registry();
  const durations = new Histogram({
    name: "polyplug_hook_duration_seconds",
    help: "x",
    labelNames: ["plugin_id", "hook"],
    buckets: HOOK_LATENCY_BUCKETS,
    registers: [registry],
  });
  const counts = new Counter({
    name: "polyplug_hook_calls_total",
    help: "x",
    labelNames: ["plugin_id", "hook", "outcome"],
    registers: [registry],
  });
  for (const { pluginId, hook, durationMs, outcome } of calls) {
    durations.observe({ plugin_id: pluginId, hook }, Math.max(0, durationMs) / 1000);
    counts.inc({ plugin_id: pluginId, hook, outcome });
  }
  return registry.metrics();
}

/** The hook samples, in a fixed order (series order is first-observation order, which batching changes). */
function hookSamples(text: string) {
  const key = (s: { name: string; labels: Readonly<Record<string, string>> }) =>
    `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  return parseExposition(text)
    .samples.filter((s) => s.name.startsWith("polyplug_hook_"))
    .sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

function someCalls(count: number, seed: number): HookObservation[] {
  const outcomes = ["proceed", "modify", "reject", "failed-open"];
  return Array.from({ length: count }, (_, i) => ({
    pluginId: `p${(i * 7 + seed) % 5}`,
    hook: i % 3 ? "intercept" : "notify",
    durationMs: ((i * 37 + seed) % 4000) / 7 - 1, // a few negatives: clamped to 0, as before
    outcome: outcomes[(i + seed) % 4] as string,
  }));
}

describe("hook recorder", () => {
  it("renders the same histogram and counter samples as observing every call directly", async () => {
    for (const count of [1, 511, 512, 513, 5000]) {
      const metrics = createGatewayMetrics({ processMetrics: false });
      const calls = someCalls(count, count);
      for (const call of calls) metrics.observeHook(call);
      if (count === 5000) await new Promise((resolve) => setImmediate(resolve)); // a capacity flush in between
      expect(hookSamples(await metrics.render())).toEqual(hookSamples(await direct(calls)));
    }
  });

  it("counts calls queued after a render in the next one", async () => {
    const metrics = createGatewayMetrics({ processMetrics: false });
    metrics.observeHook({ pluginId: "a", hook: "intercept", durationMs: 2, outcome: "proceed" });
    expect(
      sampleValue(parseExposition(await metrics.render()), "polyplug_hook_calls_total", {
        plugin_id: "a",
        hook: "intercept",
        outcome: "proceed",
      }),
    ).toBe(1);
    metrics.observeHook({ pluginId: "a", hook: "intercept", durationMs: 3, outcome: "proceed" });
    const after = parseExposition(await metrics.render());
    expect(
      sampleValue(after, "polyplug_hook_calls_total", { plugin_id: "a", hook: "intercept", outcome: "proceed" }),
    ).toBe(2);
    expect(sampleValue(after, "polyplug_hook_duration_seconds_sum", { plugin_id: "a", hook: "intercept" })).toBeCloseTo(
      0.005,
      9,
    );
  });

  it("refuses a duration that is not a number, as prom-client did, without queueing the call", async () => {
    const metrics = createGatewayMetrics({ processMetrics: false });
    expect(() =>
      metrics.observeHook({ pluginId: "a", hook: "intercept", durationMs: Number.NaN, outcome: "proceed" }),
    ).toThrow(TypeError);
    expect(hookSamples(await metrics.render())).toEqual([]);
  });
});
