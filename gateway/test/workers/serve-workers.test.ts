// `polyplug serve --workers 2` as operators run it: the banner's URL is the workers' port, chains
// answer there, worker records appear in the gateway's log, and SIGTERM leaves no worker or
// plugin process behind. A bad --workers value is refused before anything starts.
import { afterEach, describe, expect, it } from "vitest";
import { killServes, serveArgs, serveRoot, spawnServe, writeServeConfig } from "../fixtures/serve-process.js";
import { eventually } from "../log-capture.js";
import { alive, childPids } from "../process-tree.js";
import { scriptedPluginsDir } from "../runtime/scripted-plugins.js";

afterEach(killServes);

/** Every live process below `pid`. */
function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

describe("polyplug serve --workers", () => {
  it("serves chains from 2 workers and stops on SIGTERM leaving no process behind", async () => {
    const config = writeServeConfig(serveRoot("pp-workers-"), {
      pluginsDirs: [scriptedPluginsDir([{ id: "w.cli" }])],
      logFormat: "json",
    });
    const served = spawnServe(["serve", "--config", config, "--workers", "2"]);
    const url = await served.banner();
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: "test.cli", payload: { script: { "w.cli": "modify" } } }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ allowed: true, payload: { trail: ["w.cli"] } });
    }
    // Worker records reach the gateway's log, tagged with their slot (stdout and stderr are two
    // pipes: a record written before the banner may still be read after it).
    const workerRecord = /"worker":1[^\n]*"msg":"public server listening"/;
    await eventually(() => workerRecord.test(served.output()), 20_000, "worker 1's record in the gateway's log");
    const gatewayPid = served.child.pid as number;
    const below = descendants(gatewayPid);
    // Two workers and the plugin (with its sandbox launcher, if any).
    expect(below.length).toBeGreaterThanOrEqual(3);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
    await eventually(() => below.every((pid) => !alive(pid)), 10_000, "every worker and plugin process gone");
  }, 90_000);

  it.each([["0"], ["two"], ["257"]])(
    "refuses --workers %s, naming the flag",
    async (value) => {
      const served = spawnServe(serveArgs(serveRoot("pp-workers-bad-"), ["--workers", value]));
      expect(await served.exited).toBe(1);
      expect(served.output()).toContain(`--workers must be a whole number from 1 to 256, got "${value}"`);
    },
    30_000,
  );
});
