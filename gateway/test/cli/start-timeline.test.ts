// POLYPLUG_START_TIMELINE (issue 17, start-up): `polyplug serve` records when each step of its
// start was reached and bin/polyplug.js writes them to the named file when the process exits
// (the gateway-start benchmark reports them). Real processes: the real bin, a real serve.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { killServes, serveArgs, serveRoot, spawnServe } from "../fixtures/serve-process.js";
import { fixturePaths } from "../paths.js";

afterEach(killServes);

/** The steps a serve start records, in the order it reaches them (bundle-compiled only when the bundle runs). */
const SERVE_STEPS = [
  "bin",
  "commands-loaded",
  "config-read",
  "store-opened",
  "sandbox-probed",
  "plugins-starting",
  "public-listening",
  "plugins-active",
];

describe("POLYPLUG_START_TIMELINE", () => {
  it("a serve start writes the steps it reached, in start order, when the process exits", async () => {
    const root = serveRoot("polyplug-timeline-");
    const file = path.join(root, "timeline.json");
    const served = spawnServe(serveArgs(root, ["--sandbox", "off", "--log-format", "json"]), {
      env: { POLYPLUG_START_TIMELINE: file },
    });
    await served.banner();
    served.child.kill("SIGTERM");
    expect(await served.exited, served.output()).toBe(0);

    const timeline = JSON.parse(readFileSync(file, "utf8")) as { nodeBootstrapped: number; steps: [string, number][] };
    expect(timeline.nodeBootstrapped).toBeGreaterThan(0);
    const names = timeline.steps.map(([name]) => name).filter((name) => name !== "bundle-compiled");
    expect(names).toEqual(SERVE_STEPS);
    const times = timeline.steps.map(([, at]) => at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(timeline.nodeBootstrapped);
  }, 90_000);

  it("a file that cannot be written does not change how the command ends", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [fixturePaths.bin, "--version"], {
      env: { ...process.env, POLYPLUG_START_TIMELINE: path.join(tmpdir(), "no-such-folder-polyplug", "t.json") },
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 30_000);
});
