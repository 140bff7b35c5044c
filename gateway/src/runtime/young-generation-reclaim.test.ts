import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { startYoungGenerationReclaim, type YoungGenerationReclaim } from "./young-generation-reclaim.js";

const MiB = 2 ** 20;
const youngCommitted = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sink: unknown[][] = [];

/** Allocates objects that survive a few collections, as loading modules does: V8 grows its young generation. */
async function growYoungGeneration(): Promise<void> {
  for (let round = 0; round < 200 && youngCommitted() <= 8 * MiB; round++) {
    sink.push(Array.from({ length: 20_000 }, (_, i) => ({ i, text: `survivor ${i}` })));
    if (sink.length > 8) sink.shift();
    await new Promise((resolve) => setImmediate(resolve));
  }
  sink.length = 0;
  expect(youngCommitted()).toBeGreaterThan(8 * MiB);
}

/** Polls until `done()` (timers of the reclaim need the event loop); fails after `limitMs`. */
async function until(done: () => boolean, limitMs: number): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) throw new Error(`not done within ${limitMs} ms`);
    await sleep(100);
  }
}

describe("startYoungGenerationReclaim", () => {
  let running: YoungGenerationReclaim | undefined;
  afterEach(() => running?.stop());

  it("gives a grown young generation back once the process is idle, without exposing gc", async () => {
    await growYoungGeneration();
    running = startYoungGenerationReclaim({ intervalMs: 200, execArgv: [], nodeOptions: "" });
    // V8 shrinks only after ~5 s of low allocation: generous limit for a loaded machine.
    await until(() => youngCommitted() <= 4 * MiB, 60_000);
    expect(running.reclaims()).toBeGreaterThan(0);
    expect(vm.runInNewContext("typeof gc")).toBe("undefined");
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
  }, 90_000);

  it("grows back under allocation after a reclaim, and collects nothing while the process allocates", async () => {
    await growYoungGeneration();
    running = startYoungGenerationReclaim({ intervalMs: 200, execArgv: [], nodeOptions: "" });
    await until(() => youngCommitted() <= 4 * MiB, 60_000);
    running.stop();
    await growYoungGeneration();
    // Busy: allocation far above the idle rate between every two looks.
    running = startYoungGenerationReclaim({ intervalMs: 100, execArgv: [], nodeOptions: "" });
    const busyUntil = Date.now() + 1500;
    while (Date.now() < busyUntil) {
      sink.push(Array.from({ length: 5_000 }, (_, i) => ({ i })));
      if (sink.length > 4) sink.shift();
      await new Promise((resolve) => setImmediate(resolve));
    }
    sink.length = 0;
    expect(running.reclaims()).toBe(0);
  }, 90_000);

  it("leaves a young generation the operator sized with Node's flags alone", async () => {
    await growYoungGeneration();
    for (const flags of [
      { execArgv: ["--max-semi-space-size=16"], nodeOptions: "" },
      { execArgv: [], nodeOptions: "--max-old-space-size=512 --semi-space-growth-factor=2" },
    ]) {
      running = startYoungGenerationReclaim({ intervalMs: 50, ...flags });
      await sleep(500);
      expect(running.reclaims()).toBe(0);
      running.stop();
    }
    expect(youngCommitted()).toBeGreaterThan(8 * MiB);
  });
});
