import type { Counter, Histogram } from "prom-client";

/** One finished hook call, as the dispatcher reports it. */
export interface HookObservation {
  readonly pluginId: string;
  /** `intercept`, `notify`, `command` or `http`. */
  readonly hook: string;
  readonly durationMs: number;
  /** What happened, e.g. `proceed`, `modify`, `reject`, `ok`, `error`, `timeout`. */
  readonly outcome: string;
}

/** Records hook calls into the latency histogram and call counter, in batches. */
export interface HookRecorder {
  /** Queues one hook call; cheap enough for every step of every chain. */
  record(observation: HookObservation): void;
  /** Moves every queued call into the histogram and counter (before a scrape reads them). */
  flush(): void;
}

/** Queued durations of one (plugin, hook) series. */
interface DurationSeries {
  readonly labels: { plugin_id: string; hook: string };
  readonly seconds: Float64Array;
  size: number;
  /** Queued calls per outcome. */
  readonly outcomes: Map<string, number>;
}

/**
 * A HookRecorder over prom-client metrics labelled (plugin_id, hook) and (plugin_id, hook,
 * outcome). prom-client validates and hashes the labels on every observation, which costs
 * more than the rest of a chain step's bookkeeping; here a call is a map lookup and a
 * store, and the queued calls reach prom-client in a tight loop: when a series holds
 * `capacity` of them (on the next turn of the event loop, not in the call that filled it)
 * and on `flush()`, which the metrics' collect hooks call so every scrape is exact.
 */
export function createHookRecorder(
  durations: Histogram<"plugin_id" | "hook">,
  calls: Counter<"plugin_id" | "hook" | "outcome">,
  capacity = 512,
): HookRecorder {
  const byPlugin = new Map<string, Map<string, DurationSeries>>();
  let flushScheduled = false;

  const flushSeries = (series: DurationSeries) => {
    const { labels, seconds } = series;
    for (let i = 0; i < series.size; i++) durations.observe(labels, seconds[i] as number);
    series.size = 0;
    for (const [outcome, count] of series.outcomes) {
      if (count > 0) calls.inc({ ...labels, outcome }, count);
      series.outcomes.set(outcome, 0);
    }
  };
  const flush = () => {
    flushScheduled = false;
    for (const hooks of byPlugin.values()) for (const series of hooks.values()) flushSeries(series);
  };

  return {
    record({ pluginId, hook, durationMs, outcome }) {
      if (!Number.isFinite(durationMs)) throw new TypeError(`hook call duration is not a number: ${durationMs}`);
      let hooks = byPlugin.get(pluginId);
      if (!hooks) {
        hooks = new Map();
        byPlugin.set(pluginId, hooks);
      }
      let series = hooks.get(hook);
      if (!series) {
        series = {
          labels: { plugin_id: pluginId, hook },
          seconds: new Float64Array(capacity),
          size: 0,
          outcomes: new Map(),
        };
        hooks.set(hook, series);
      }
      if (series.size === capacity) flushSeries(series); // only when the scheduled flush has not run yet
      series.seconds[series.size++] = Math.max(0, durationMs) / 1000;
      series.outcomes.set(outcome, (series.outcomes.get(outcome) ?? 0) + 1);
      if (series.size === capacity && !flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
