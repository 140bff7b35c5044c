import v8 from "node:v8";
import vm from "node:vm";
import { youngGenerationSizedByOperator } from "./memory-profile.js";

/**
 * Gives V8's young generation back when the gateway is idle (issue 17, memory). Loading the
 * gateway's modules grows it from 2 × 1 MiB to 2 × 16 MiB, and V8 shrinks it only in a
 * collection that runs while little is being allocated — which an idle gateway never runs,
 * so ~30 MiB stay committed (and resident) for nothing. Every `intervalMs` this looks at the
 * young generation; when it is grown and almost nothing was allocated since the last look,
 * it runs one young-generation collection (a scavenge: ~1 ms when it is empty), in which V8
 * shrinks it to what is live. Under load nothing runs: V8's own collections show up as the
 * young generation emptying, and any allocation above IDLE_BYTES_PER_MS counts as busy.
 *
 * So that the next load does not pay for a small young generation (several times the
 * collection time per call, see `--memory-profile small`), the first reclaim sets V8's growth
 * factor so the young generation grows back to its maximum in one step, not by doubling.
 */
export interface YoungGenerationReclaim {
  /** Young-generation collections run so far (for tests and the status of the process). */
  readonly reclaims: () => number;
  stop(): void;
}

/** Options of startYoungGenerationReclaim (the defaults are the gateway's). */
export interface YoungGenerationReclaimOptions {
  /** How often to look, ms (default 5000). V8 shrinks only after ~5 s of low allocation. */
  readonly intervalMs?: number;
  /** Node's own flags, to leave a young generation the operator sized alone (default: this process's). */
  readonly execArgv?: readonly string[];
  readonly nodeOptions?: string;
}

const INTERVAL_MS = 5000;
/** Allocation below this rate between two looks counts as idle (V8 itself shrinks only below 1000 bytes/ms). */
const IDLE_BYTES_PER_MS = 500;
/** Committed young generation above this counts as grown (its initial size is 1–2 MiB). */
const GROWN_BYTES = 4 * 2 ** 20;
// Initial semispace 1 MiB, maximum 16 MiB: one growth step from the smallest to the largest.
const GROW_IN_ONE_STEP = "--semi-space-growth-factor=16";

/** Starts looking; `stop()` ends it. Does nothing when the operator sized the young generation (their flags win). */
export function startYoungGenerationReclaim(options: YoungGenerationReclaimOptions = {}): YoungGenerationReclaim {
  if (
    youngGenerationSizedByOperator(
      options.execArgv ?? process.execArgv,
      options.nodeOptions ?? process.env.NODE_OPTIONS ?? "",
    )
  )
    return { reclaims: () => 0, stop: () => undefined };
  let collectYoung: (() => void) | undefined;
  let reclaims = 0;
  let lastUsed = youngGeneration().space_used_size;
  const intervalMs = options.intervalMs ?? INTERVAL_MS;
  const timer = setInterval(() => {
    const { space_size: committed, space_used_size: used } = youngGeneration();
    const allocated = used - lastUsed;
    lastUsed = used;
    // Negative: a collection ran since the last look, so the gateway is allocating.
    if (committed <= GROWN_BYTES || allocated < 0 || allocated > IDLE_BYTES_PER_MS * intervalMs) return;
    if (!collectYoung) {
      collectYoung = youngCollector();
      v8.setFlagsFromString(GROW_IN_ONE_STEP);
    }
    collectYoung();
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
function youngCollector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  try {
    const gc = vm.runInNewContext("gc") as (options: { type: "minor" }) => void;
    return () => gc({ type: "minor" });
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}
