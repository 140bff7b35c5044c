import { describe, expect, it } from "vitest";
import { loadWhilePluginsBoot, watchPluginLaunches } from "./plugin-launches.js";

/** Settles what is pending now (promise jobs and one event loop turn). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves after `count` promise jobs, without I/O. */
async function promiseJobs(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

describe("loading while the plugins boot", () => {
  it("loads only once every expected launch was prepared, and a turn later (their spawn() calls come first)", async () => {
    const launches = watchPluginLaunches();
    const prepared = launches.expect(["a", "b"]);
    const steps: string[] = [];
    const loaded = loadWhilePluginsBoot(prepared, new Promise(() => undefined), async () => {
      steps.push("load");
      return 42;
    });
    launches.prepared("a");
    launches.prepared("other"); // not expected: ignored
    await settle();
    expect(steps).toEqual([]);
    launches.prepared("b");
    // What the host core does after a prepared launch: spawn, some promise jobs later.
    void promiseJobs(20).then(() => steps.push("spawn b"));
    expect(await loaded).toBe(42);
    expect(steps).toEqual(["spawn b", "load"]);
  });

  it("loads when the starts settle although a launch never reached its sandbox (failed earlier, or attached)", async () => {
    const launches = watchPluginLaunches();
    const prepared = launches.expect(["never-prepared"]);
    let failStart: (error: Error) => void = () => undefined;
    const started = new Promise((_, reject) => (failStart = reject));
    const loaded = loadWhilePluginsBoot(prepared, started, async () => "loaded");
    await settle();
    failStart(new Error("the plugin could not start"));
    expect(await loaded).toBe("loaded");
  });

  it("loads at once when no launch is expected", async () => {
    const launches = watchPluginLaunches();
    expect(await loadWhilePluginsBoot(launches.expect([]), new Promise(() => undefined), async () => "loaded")).toBe(
      "loaded",
    );
  });

  it("a failed load rejects, as the import it runs", async () => {
    const launches = watchPluginLaunches();
    await expect(
      loadWhilePluginsBoot(launches.expect([]), Promise.resolve(), () => Promise.reject(new Error("no module"))),
    ).rejects.toThrow("no module");
  });
});
