// Fail-closed means closed (issue #11): a fail-closed plugin that is restarting or parked in
// `failed` keeps its step and rejects, naming itself and "unavailable"; the fail mode is the
// operator's (serve config, Admin API), the manifest only suggests one. Real plugin
// processes: a copy of the Go wordfilter, killed with SIGKILL until it is parked.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/runtime/gateway.js";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";
import { dataDir, scriptedPluginsDir } from "./scripted-plugins.js";

const WORDFILTER = "com.polyplug.example.wordfilter";
const TOPIC = "message.will_be_posted";

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

/** A plugins folder with a copy of the Go wordfilter whose manifest suggests `onFailure`. */
function wordfilterCopy(onFailure: "open" | "closed"): string {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-failsafe-"));
  const dir = path.join(root, "wordfilter");
  cpSync(path.join(fixturePaths.examplesGo, "plugins", "wordfilter"), dir, { recursive: true });
  const manifestFile = path.join(dir, "plugin.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { hooks: { intercept: { onFailure: string }[] } };
  for (const subscription of manifest.hooks.intercept) subscription.onFailure = onFailure;
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return root;
}

async function gatewayWith(pluginsDir: string, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gateway = await createGateway({
    pluginsDirs: [pluginsDir],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    policy: { restartBaseMs: 50, restartMaxMs: 200, healthIntervalMs: 60_000, crashLoopFailures: 3 },
    ...options,
  });
  gateways.push(gateway);
  return gateway;
}

const forbidden = { message: "this is forbidden" };

describe("fail-closed while a plugin is down", () => {
  it("rejects every forbidden message while the wordfilter is SIGKILLed four times and after it is parked in failed", async () => {
    const gateway = await gatewayWith(wordfilterCopy("closed"));
    expect(gateway.plugin(WORDFILTER).state).toBe("active");
    let letThrough = 0;
    let calls = 0;
    // Callers keep posting while the plugin is killed: not one forbidden message may pass.
    let running = true;
    const traffic = (async () => {
      while (running) {
        const verdict = await gateway.dispatcher.intercept(TOPIC, forbidden);
        calls++;
        if (verdict.allowed) letThrough++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let kill = 1; kill <= 4; kill++) {
      await eventually(() => gateway.plugin(WORDFILTER).state === "active", 20_000, `active before kill ${kill}`);
      const pid = gateway.plugin(WORDFILTER).pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid as number, "SIGKILL");
      await eventually(() => gateway.plugin(WORDFILTER).pid !== pid, 20_000, `plugin noticed kill ${kill}`);
      const during = await gateway.dispatcher.intercept(TOPIC, forbidden);
      expect(during.allowed).toBe(false);
    }
    await eventually(() => gateway.plugin(WORDFILTER).state === "failed", 20_000, "parked in failed");
    running = false;
    await traffic;
    expect({ letThrough, callsMoreThanZero: calls > 0 }).toEqual({ letThrough: 0, callsMoreThanZero: true });

    // Parked: still a step, failed-closed, naming the plugin and "unavailable".
    const parked = await gateway.dispatcher.intercept(TOPIC, forbidden);
    expect(parked.allowed).toBe(false);
    expect(parked.rejection).toMatchObject({ pluginId: WORDFILTER, code: "unavailable", failure: true });
    expect(parked.rejection?.reason).toMatch(/unavailable \(failed\)/);
    expect(parked.steps).toEqual([
      expect.objectContaining({
        pluginId: WORDFILTER,
        outcome: "failed-closed",
        error: expect.objectContaining({ code: "unavailable" }),
        failMode: { mode: "closed", source: "manifest" },
      }),
    ]);
    // The documented consequence: while parked, every event on its fail-closed topics is rejected.
    expect((await gateway.dispatcher.intercept(TOPIC, { message: "hello" })).allowed).toBe(false);
    // Visible to operators.
    expect(gateway.plugin(WORDFILTER)).toMatchObject({
      state: "failed",
      blockingTopics: [TOPIC],
      failModes: [{ topic: TOPIC, mode: "closed", source: "manifest" }],
    });
    const metrics = await gateway.metrics.render();
    expect(metrics).toMatch(
      new RegExp(`polyplug_plugin_blocking_topics\\{plugin_id="${WORDFILTER.replaceAll(".", "\\.")}"\\} 1`),
    );

    // An operator's restart clears it.
    await gateway.restart(WORDFILTER);
    expect((await gateway.dispatcher.intercept(TOPIC, { message: "hello" })).allowed).toBe(true);
    expect(gateway.plugin(WORDFILTER).blockingTopics).toEqual([]);
  }, 120_000);

  it("lets events through with a visible failed-open step when the operator says open", async () => {
    const gateway = await gatewayWith(wordfilterCopy("closed"), {
      failurePolicy: { plugins: { [WORDFILTER]: { [TOPIC]: "open" } } },
      policy: { crashLoopFailures: 0, restartBaseMs: 50 },
    });
    const pid = gateway.plugin(WORDFILTER).pid as number;
    process.kill(pid, "SIGKILL");
    await eventually(() => gateway.plugin(WORDFILTER).state === "failed", 20_000, "parked after one crash");
    const verdict = await gateway.dispatcher.intercept(TOPIC, forbidden);
    expect(verdict.allowed).toBe(true);
    expect(verdict.steps).toEqual([
      expect.objectContaining({
        pluginId: WORDFILTER,
        outcome: "failed-open",
        error: expect.objectContaining({ code: "unavailable" }),
        failMode: { mode: "open", source: "config" },
      }),
    ]);
    expect(gateway.plugin(WORDFILTER).blockingTopics).toEqual([]);
  });
});

describe("a plugin that goes away mid-chain", () => {
  it("is a failed-closed step naming it and 'unavailable' when it is disabled while an earlier step runs", async () => {
    const gateway = await gatewayWith(
      scriptedPluginsDir([
        { id: "p.first", priority: 1 },
        { id: "p.guard", priority: 2, onFailure: "closed" },
      ]),
    );
    const verdict = gateway.dispatcher.intercept("test.x", {
      script: { "p.first": "sleep:500", "p.guard": "proceed" },
    });
    await gateway.disable("p.guard");
    const answer = await verdict;
    expect(answer.allowed).toBe(false);
    expect(answer.steps.map((s) => [s.pluginId, s.outcome, s.error?.code])).toEqual([
      ["p.first", "proceed", undefined],
      ["p.guard", "failed-closed", "unavailable"],
    ]);
    expect(answer.rejection?.reason).toMatch(/plugin p\.guard is unavailable \((stopping|not-running)\)/);
    // Disabled by the operator: out of the chain from then on.
    expect((await gateway.dispatcher.intercept("test.x", { script: {} })).steps.map((s) => s.pluginId)).toEqual([
      "p.first",
    ]);
  });
});

describe("the fail mode is the operator's", () => {
  it("applies serve config over the manifest, and the Admin API's override over both; the override is stored", async () => {
    const plugins = scriptedPluginsDir([{ id: "p.suggests-open", onFailure: "open" }]);
    const data = dataDir();
    const first = await gatewayWith(plugins, { dataDir: data, failurePolicy: { default: "closed" } });
    const fail = { script: { "p.suggests-open": "fail" } };
    const byDefault = await first.dispatcher.intercept("test.x", fail);
    expect(byDefault).toMatchObject({ allowed: false, rejection: { pluginId: "p.suggests-open", failure: true } });
    expect(byDefault.steps[0]?.failMode).toEqual({ mode: "closed", source: "config-default" });

    const listing = await first.setFailMode("p.suggests-open", "test.*", "open");
    expect(listing.failModes).toEqual([{ topic: "test.*", mode: "open", source: "admin" }]);
    const overridden = await first.dispatcher.intercept("test.x", fail);
    expect(overridden.allowed).toBe(true);
    expect(overridden.steps[0]).toMatchObject({ outcome: "failed-open", failMode: { mode: "open", source: "admin" } });
    await first.stop();

    // The operator's choice outlives the gateway.
    const second = await gatewayWith(plugins, { dataDir: data, failurePolicy: { default: "closed" } });
    expect((await second.dispatcher.intercept("test.x", fail)).steps[0]?.failMode).toEqual({
      mode: "open",
      source: "admin",
    });
    await second.setFailMode("p.suggests-open", "test.*", undefined);
    expect((await second.dispatcher.intercept("test.x", fail)).steps[0]?.failMode).toEqual({
      mode: "closed",
      source: "config-default",
    });
  });

  it("refuses a bad topic or mode with a clear error", async () => {
    const gateway = await gatewayWith(scriptedPluginsDir([{ id: "p.a" }]));
    await expect(gateway.setFailMode("p.a", "Not A Topic", "closed")).rejects.toThrow(/not a topic/);
    await expect(gateway.setFailMode("p.nobody", "*", "closed")).rejects.toThrow(/no plugin with id/);
    await expect(
      gatewayWith(scriptedPluginsDir([]), { failurePolicy: { default: "maybe" as "open" } }),
    ).rejects.toThrow(/not a fail mode/);
  });
});
