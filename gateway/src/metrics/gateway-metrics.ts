import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PluginState, PluginStatus } from "../supervision/supervisor.js";
import { createHookRecorder, type HookObservation } from "./hook-recorder.js";
import { registerPublicServerMetrics, type PublicServerCounters } from "./public-server-metrics.js";

export type { HookObservation } from "./hook-recorder.js";

/** Every state a plugin can be in, in the order the state gauge lists them. */
export const PLUGIN_STATES: readonly PluginState[] = [
  "not-running",
  "starting",
  "active",
  "unhealthy",
  "restarting",
  "failed",
  "stopping",
];

/** Bucket bounds of the hook latency histogram, in seconds (1 ms … 30 s). */
export const HOOK_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** KV operation kinds counted by `polyplug_kv_operations_total`. */
export type KvOperation = "get" | "set" | "delete" | "list";

/** Where the scrape-time gauges read the gateway's current state. */
export interface MetricsSources {
  /** Every supervised plugin's status (state, restarts). */
  plugins(): readonly PluginStatus[];
  /** How many WebSocket clients are connected to /v1/events. */
  webSocketClients(): number;
  /** Per enabled plugin: its fail-closed topics whose events are rejected because it is not serving. */
  blockingTopics?(): readonly { readonly pluginId: string; readonly topics: readonly string[] }[];
  /** The public server's admission counters (connections, in-flight, queued, shed). */
  publicServer?(): PublicServerCounters;
}

/**
 * The gateway's Prometheus metrics, in a registry of their own (several gateways can live in
 * one process, as in tests). Hook and KV metrics are fed as things happen; plugin states,
 * restarts and WebSocket clients are read from `MetricsSources` at scrape time.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** Records one hook call: latency histogram per plugin and hook, call counter by outcome (queued; every render sees it). */
  observeHook(observation: HookObservation): void;
  /** Counts one KV operation by plugin (namespace), kind and result. */
  countKv(pluginId: string, operation: KvOperation, result: string): void;
  /** Sets where plugin states, restarts and WebSocket clients are read; replaces an earlier source. */
  setSources(sources: MetricsSources): void;
  /** The exposition text (Prometheus text format 0.0.4). */
  render(): Promise<string>;
  /** The content type of `render()`'s text. */
  readonly contentType: string;
}

/** Options of createGatewayMetrics. */
export interface GatewayMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

/** Creates the metrics of one gateway; see GatewayMetrics. */
export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  let sources: MetricsSources | undefined;
  // Restart counts are read from the supervisors; the counter is advanced by the difference.
  const seenRestarts = new Map<string, number>();

  // Hook calls are queued by the recorder; whichever of the two is read first moves them in.
  const flushHooks = () => hooks.flush();
  const hookDuration = new Histogram({
    name: "polyplug_hook_duration_seconds",
    help: "Latency of hook calls to plugins, per plugin and hook (intercept, notify, command, http).",
    labelNames: ["plugin_id", "hook"] as const,
    buckets: HOOK_LATENCY_BUCKETS,
    registers: [registry],
    collect: flushHooks,
  });
  const hookCalls = new Counter({
    name: "polyplug_hook_calls_total",
    help: "Hook calls to plugins by plugin, hook and outcome.",
    labelNames: ["plugin_id", "hook", "outcome"] as const,
    registers: [registry],
    collect: flushHooks,
  });
  const hooks = createHookRecorder(hookDuration, hookCalls);
  const kvOperations = new Counter({
    name: "polyplug_kv_operations_total",
    help: "KV store operations by plugin, operation (get, set, delete, list) and result.",
    labelNames: ["plugin_id", "operation", "result"] as const,
    registers: [registry],
  });
  new Counter({
    name: "polyplug_plugin_restarts_total",
    help: "Plugin restarts since the gateway started: by the supervisor (after crashes, hangs or failed health checks) and by operators.",
    labelNames: ["plugin_id"] as const,
    registers: [registry],
    collect() {
      for (const status of sources?.plugins() ?? []) {
        const before = seenRestarts.get(status.pluginId) ?? 0;
        if (status.restarts > before) this.inc({ plugin_id: status.pluginId }, status.restarts - before);
        else if (!seenRestarts.has(status.pluginId)) this.inc({ plugin_id: status.pluginId }, 0);
        seenRestarts.set(status.pluginId, Math.max(before, status.restarts));
      }
    },
  });
  new Gauge({
    name: "polyplug_plugin_state",
    help: "1 for the state each plugin is in, 0 for the others.",
    labelNames: ["plugin_id", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of sources?.plugins() ?? []) {
        for (const state of PLUGIN_STATES)
          this.set({ plugin_id: status.pluginId, state }, status.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "polyplug_plugin_blocking_topics",
    help: "Fail-closed intercept topics of each enabled plugin whose events are being rejected because the plugin is not serving (starting, restarting, failed); 0 when it serves.",
    labelNames: ["plugin_id"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { pluginId, topics } of sources?.blockingTopics?.() ?? [])
        this.set({ plugin_id: pluginId }, topics.length);
    },
  });
  new Gauge({
    name: "polyplug_websocket_clients",
    help: "WebSocket clients connected to /v1/events.",
    registers: [registry],
    collect() {
      this.set(sources?.webSocketClients() ?? 0);
    },
  });

  registerPublicServerMetrics(registry, () => sources?.publicServer?.());

  return {
    registry,
    contentType: registry.contentType,
    observeHook(observation: HookObservation) {
      hooks.record(observation);
    },
    countKv(pluginId, operation, result) {
      kvOperations.inc({ plugin_id: pluginId, operation, result });
    },
    setSources(next) {
      sources = next;
    },
    render: () => registry.metrics(),
  };
}
