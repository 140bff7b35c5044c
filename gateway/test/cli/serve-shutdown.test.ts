// The real `polyplug serve` process under faults (issue #11): a fail-closed wordfilter is
// SIGKILLed until it is parked and every "forbidden" message is still rejected; SIGTERM
// then ends the gateway within its bound with no plugin process and no socket dir left;
// the double SIGINT of one Ctrl-C (terminal + `npm start` forwarding) stops gracefully.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killServes, type ServeProcess, serveRoot, spawnServe, writeServeConfig } from "../fixtures/serve-process.js";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";
import { alive, childPids, signalTree } from "../process-tree.js";

const WORDFILTER = "com.polyplug.example.wordfilter";

interface Served extends ServeProcess {
  readonly url: string;
  readonly tmp: string;
}

afterEach(killServes);

/** Starts `polyplug serve` with a fail-closed copy of the Go wordfilter; TMPDIR (socket dirs) is private. */
async function serve(options: { detached?: boolean } = {}): Promise<Served> {
  const root = serveRoot("pp-serve-");
  const plugins = path.join(root, "plugins");
  cpSync(path.join(fixturePaths.examplesGo, "plugins", "wordfilter"), path.join(plugins, "wordfilter"), {
    recursive: true,
  });
  const manifestFile = path.join(plugins, "wordfilter", "plugin.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { hooks: { intercept: { onFailure: string }[] } };
  for (const subscription of manifest.hooks.intercept) subscription.onFailure = "closed";
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const config = writeServeConfig(root, { policy: { restartBaseMs: 50, restartMaxMs: 200, crashLoopFailures: 3 } });
  const tmp = mkdtempSync("/tmp/pp-t-");
  const served = spawnServe(["serve", "--config", config], {
    env: { TMPDIR: tmp },
    detached: options.detached ?? false,
  });
  return { ...served, url: await served.banner(), tmp };
}

async function post(
  url: string,
  message: string,
): Promise<{ allowed: boolean; rejection?: { pluginId: string; reason: string } }> {
  const response = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "message.will_be_posted", payload: { message } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { allowed: boolean; rejection?: { pluginId: string; reason: string } };
}

describe("polyplug serve under faults", () => {
  it("keeps rejecting while the wordfilter is killed until parked, then exits on SIGTERM leaving nothing behind", async () => {
    const served = await serve();
    const gatewayPid = served.child.pid as number;
    const seen = new Set<number>();
    let letThrough = 0;
    for (let kill = 1; kill <= 4; kill++) {
      await eventually(() => childPids(gatewayPid).length === 1, 30_000, `plugin running before kill ${kill}`);
      const [pid] = childPids(gatewayPid) as [number];
      seen.add(pid);
      process.kill(pid, "SIGKILL");
      if ((await post(served.url, "this is forbidden")).allowed) letThrough++;
      await eventually(() => !alive(pid) || !childPids(gatewayPid).includes(pid), 10_000, `kill ${kill} reaped`);
    }
    // Parked after the fourth kill (crash-loop limit 3): still rejected, naming the plugin and "unavailable".
    await eventually(() => served.output().includes("parked in failed"), 30_000, "parked");
    const parked = await post(served.url, "this is forbidden");
    expect(letThrough).toBe(0);
    expect(parked.allowed).toBe(false);
    expect(parked.rejection?.pluginId).toBe(WORDFILTER);
    expect(parked.rejection?.reason).toMatch(/unavailable/);
    expect(served.output()).toMatch(/events on its fail-closed topics \(message\.will_be_posted\) are rejected/);

    const signalledAt = Date.now();
    served.child.kill("SIGTERM");
    const exit = await served.exited;
    // Report, not assert, the time: the bound (10 s + kill) is the gateway's, the test only waits for it.
    console.log(`serve exited ${Date.now() - signalledAt} ms after SIGTERM (code ${exit})`);
    expect(exit).toBe(0);
    for (const pid of seen) expect(alive(pid)).toBe(false);
    expect(readdirSync(served.tmp).filter((name) => name.startsWith("polyplug-"))).toEqual([]);
  }, 120_000);

  it("treats the double SIGINT of one Ctrl-C as one: plugins are stopped gracefully", async () => {
    const served = await serve({ detached: true });
    const gatewayPid = served.child.pid as number;
    await eventually(() => childPids(gatewayPid).length === 1, 30_000, "plugin running");
    const [pluginPid] = childPids(gatewayPid) as [number];
    // The terminal signals the whole foreground process group; `npm start` forwards its own copy.
    process.kill(-gatewayPid, "SIGINT");
    process.kill(gatewayPid, "SIGINT");
    const exit = await served.exited;
    expect(exit).toBe(0);
    expect(served.output()).not.toMatch(/killing plugins now/);
    expect(served.output()).toMatch(/"outcome":"(graceful|terminated)"/);
    expect(alive(pluginPid)).toBe(false);
    expect(readdirSync(served.tmp).filter((name) => name.startsWith("polyplug-"))).toEqual([]);
  }, 120_000);

  it("a second Ctrl-C after the first second forces the stop, still leaving nothing behind", async () => {
    const served = await serve();
    const gatewayPid = served.child.pid as number;
    await eventually(() => childPids(gatewayPid).length === 1, 30_000, "plugin running");
    const [pluginPid] = childPids(gatewayPid) as [number];
    // A plugin that does not answer Deactivate/Shutdown: the graceful stop would wait for it.
    signalTree(pluginPid, "SIGSTOP");
    served.child.kill("SIGINT");
    await eventually(() => served.output().includes("shutting down"), 10_000, "graceful stop began");
    await new Promise((resolve) => setTimeout(resolve, 1200));
    served.child.kill("SIGINT");
    const exit = await served.exited;
    expect(served.output()).toMatch(/second SIGINT: killing plugins now/);
    expect(exit).toBe(1);
    expect(alive(pluginPid)).toBe(false);
    expect(readdirSync(served.tmp).filter((name) => name.startsWith("polyplug-"))).toEqual([]);
  }, 120_000);
});
