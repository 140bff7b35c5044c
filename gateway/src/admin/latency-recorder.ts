import type { GatewayDispatcher, HookCall } from "../dispatch/gateway-dispatcher.js";

/** Recent call figures of one hook of one plugin. */
export interface HookLatencyFigures {
  readonly hook: HookCall["hook"];
  /** Calls since recording began. */
  readonly calls: number;
  /** Of those, calls that failed (error, timeout, failed-open/closed). */
  readonly failures: number;
  /** Median, 99th percentile and longest of the last `window` durations, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Per-plugin, per-hook latency figures fed by the dispatcher. */
export interface LatencyRecorder {
  /** The figures of every hook `pluginId` was called for, in hook order. */
  figures(pluginId: string): HookLatencyFigures[];
  /** Stops recording. */
  close(): void;
}

const FAILED = new Set(["error", "timeout", "failed-open", "failed-closed"]);
const HOOK_ORDER: readonly HookCall["hook"][] = ["intercept", "notify", "command"];

class Series {
  calls = 0;
  failures = 0;
  private readonly ring: number[] = [];
  private next = 0;

  constructor(private readonly window: number) {}

  add(call: HookCall): void {
    this.calls++;
    if (FAILED.has(call.outcome)) this.failures++;
    if (this.ring.length < this.window) this.ring.push(call.durationMs);
    else this.ring[this.next] = call.durationMs;
    this.next = (this.next + 1) % this.window;
  }

  /** Nearest-rank percentiles over the ring. */
  summary(): { p50Ms: number; p99Ms: number; maxMs: number } {
    const sorted = [...this.ring].sort((a, b) => a - b);
    const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
    return { p50Ms: rank(0.5), p99Ms: rank(0.99), maxMs: sorted.at(-1) ?? 0 };
  }
}

/**
 * Records every hook call the dispatcher reports: counts since start and the durations of
 * the last `window` calls per plugin and hook (bounded memory), from which percentiles are
 * computed on demand.
 */
export function createLatencyRecorder(dispatcher: Pick<GatewayDispatcher, "observe">, window = 1024): LatencyRecorder {
  const series = new Map<string, Map<HookCall["hook"], Series>>();
  const unsubscribe = dispatcher.observe((call) => {
    let hooks = series.get(call.pluginId);
    if (!hooks) {
      hooks = new Map();
      series.set(call.pluginId, hooks);
    }
    let one = hooks.get(call.hook);
    if (!one) {
      one = new Series(window);
      hooks.set(call.hook, one);
    }
    one.add(call);
  });
  return {
    figures(pluginId) {
      const hooks = series.get(pluginId);
      if (!hooks) return [];
      return HOOK_ORDER.flatMap((hook) => {
        const one = hooks.get(hook);
        return one ? [{ hook, calls: one.calls, failures: one.failures, ...one.summary() }] : [];
      });
    },
    close: unsubscribe,
  };
}
