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
  /** Grows by doubling up to the recorder's capacity: most plugins see few calls between two scrapes. */
  seconds: Float64Array;
  size: number;
  /** Queued calls per outcome. */
  readonly outcomes: Map<string, number>;
}

/** Queue length a series starts with: 4 KiB per (plugin, hook) at full capacity was most of the metrics' memory per plugin (issue 17, memory). */
const FIRST_QUEUE_LENGTH = 16;

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
          seconds: new Float64Array(Math.min(FIRST_QUEUE_LENGTH, capacity)),
          size: 0,
          outcomes: new Map(),
        };
        hooks.set(hook, series);
      }
      // A full series: the scheduled flush has not run yet. A full queue below capacity grows.
      if (series.size === capacity) flushSeries(series);
      else if (series.size === series.seconds.length) series.seconds = doubled(series.seconds, capacity);
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

/** `queue`'s values in a queue twice as long (at most `capacity`). */
function doubled(queue: Float64Array, capacity: number): Float64Array {
  const longer = new Float64Array(Math.min(capacity, queue.length * 2));
  longer.set(queue);
  return longer;
}
