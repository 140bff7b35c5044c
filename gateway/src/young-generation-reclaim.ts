import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { operatorGaveNodeFlag } from "./node-flags.js";

/**
 * Gives V8's young generation back when the gateway is idle (issue 17, memory). Loading the
 * gateway's modules grows it from 2 × 1 MiB to 2 × 16 MiB, and V8 shrinks it only in a
 * collection that runs while little is being allocated — which an idle gateway never runs,
 * so ~30 MiB stay committed (and resident) for nothing. Every `intervalMs` this looks at the
 * young generation; when it is grown, the event loop was nearly idle (< 2% busy) and almost
 * nothing was allocated since the last look, it runs one young-generation collection (a
 * scavenge: ~1 ms when it is empty), in which V8 shrinks it to what is live. Under load
 * nothing runs: the event loop is busy, V8's own collections empty the young generation, and
 * any allocation above IDLE_BYTES_PER_MS counts as busy.
 *
 * So that the next load does not pay for a small young generation (several times the
 * collection time per call, see `--memory-profile small`), the first reclaim sets V8's growth
 * factor so the young generation grows back to its maximum in one step, not by doubling.
 */
export interface YoungGenerationReclaim {
  /** Young-generation collections run so far (for tests and the status of the process). */
  readonly reclaims: () => number;
  /** Stops looking (the gateway's close). */
  stop(): void;
}

/** Options of startYoungGenerationReclaim (the defaults are the gateway's). */
export interface YoungGenerationReclaimOptions {
  /** How often to look, ms (default 5000). V8 shrinks only after ~5 s of low allocation. */
  readonly intervalMs?: number;
  /** Node's own flags, to leave a young generation the operator sized alone (default: this process's). */
  readonly execArgv?: readonly string[];
  /** NODE_OPTIONS, read like execArgv (default: this process's). */
  readonly nodeOptions?: string;
}

/** Node flags that size the young generation: when the operator gave one, Polyplug leaves it alone. */
const YOUNG_GENERATION_FLAGS = ["--max-semi-space-size", "--min-semi-space-size", "--semi-space-growth-factor"];

/** Node flags through which the operator owns `gc`. */
const EXPOSE_GC_FLAGS = ["--expose-gc", "--expose-gc-as"];

/** Whether Node's own flags (its command line or NODE_OPTIONS; default: this process's) size the young generation (runtime/memory-profile.ts uses it too). */
export function youngGenerationSizedByOperator(execArgv?: readonly string[], nodeOptions?: string): boolean {
  return operatorGaveNodeFlag(YOUNG_GENERATION_FLAGS, execArgv, nodeOptions);
}

/** Set by `--memory-profile small` (runtime/memory-profile.ts): a young generation that never grows has nothing to give back. */
let youngGenerationPinned = false;

/** Turns startYoungGenerationReclaim off for this process (the young generation was sized at start). */
export function pinYoungGeneration(): void {
  youngGenerationPinned = true;
}

const INTERVAL_MS = 5000;
/** Allocation below this rate between two looks counts as idle (V8 itself shrinks only below 1000 bytes/ms). */
const IDLE_BYTES_PER_MS = 500;
/** Event-loop utilisation below this between two looks counts as idle (an idle gateway: ~0.001). */
const IDLE_UTILIZATION = 0.02;
/** Committed young generation above this counts as grown (its initial size is 1–2 MiB). */
const GROWN_BYTES = 4 * 2 ** 20;
// Initial semispace 1 MiB, maximum 16 MiB: one growth step from the smallest to the largest.
const GROW_IN_ONE_STEP = "--semi-space-growth-factor=16";

/** Starts looking; `stop()` ends it. Does nothing when the operator sized the young generation (their flags win). */
export function startYoungGenerationReclaim(options: YoungGenerationReclaimOptions = {}): YoungGenerationReclaim {
  const { execArgv, nodeOptions } = options;
  if (youngGenerationPinned || youngGenerationSizedByOperator(execArgv, nodeOptions))
    return { reclaims: () => 0, stop: () => undefined };
  // The operator's --expose-gc (or --expose-gc-as) is theirs: use their `gc` if it is there, never toggle the flag.
  const operatorGc = operatorGaveNodeFlag(EXPOSE_GC_FLAGS, execArgv, nodeOptions);
  if (operatorGc && typeof globalThis.gc !== "function") return { reclaims: () => 0, stop: () => undefined };
  let collectYoung: (() => void) | undefined;
  let reclaims = 0;
  let lastUsed = youngGeneration().space_used_size;
  let lastLoop = performance.eventLoopUtilization();
  const intervalMs = options.intervalMs ?? INTERVAL_MS;
  const timer = setInterval(() => {
    const { space_size: committed, space_used_size: used } = youngGeneration();
    const allocated = used - lastUsed;
    const busy = performance.eventLoopUtilization(lastLoop).utilization;
    lastUsed = used;
    lastLoop = performance.eventLoopUtilization();
    // Allocation alone misses a collection that ran in between (the young generation refilled
    // past where it was): a busy event loop rules that out. Negative: a collection ran.
    if (committed <= GROWN_BYTES || busy > IDLE_UTILIZATION) return;
    if (allocated < 0 || allocated > IDLE_BYTES_PER_MS * intervalMs) return;
    try {
      if (!collectYoung) {
        collectYoung = operatorGc ? operatorCollector() : youngCollector();
        v8.setFlagsFromString(GROW_IN_ONE_STEP);
      }
      collectYoung();
    } catch {
      // A V8 without `gc({type: "minor"})` or without the flag: stop looking, the young generation stays as Node sized it.
      clearInterval(timer);
      return;
    }
    reclaims++;
    lastUsed = youngGeneration().space_used_size;
  }, intervalMs);
  timer.unref();
  return { reclaims: () => reclaims, stop: () => clearInterval(timer) };
}

function youngGeneration(): v8.HeapSpaceInfo {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  // Every V8 Node 20 ships has one; without it there is nothing to give back.
  return (
    space ?? {
      space_name: "new_space",
      space_size: 0,
      space_used_size: 0,
      space_available_size: 0,
      physical_space_size: 0,
    }
  );
}

/**
 * V8's `gc()` without starting Node with --expose-gc: the flag applies to contexts created
 * after it is set, so a throwaway context hands over its `gc`; the flag is turned off again
 * so no later context (vm sandboxes included) sees it.
 */
function operatorCollector(): () => void {
  const gc = globalThis.gc as unknown as (options: { type: "minor" }) => void;
  return () => gc({ type: "minor" });
}

function youngCollector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  try {
    const gc = vm.runInNewContext("gc") as (options: { type: "minor" }) => void;
    return () => gc({ type: "minor" });
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}
