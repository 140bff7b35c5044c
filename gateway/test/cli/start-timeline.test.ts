// POLYPLUG_START_TIMELINE (issue 17, start-up): `polyplug serve` records when each step of its
// start was reached and bin/polyplug.js writes them to the named file when the process exits
// (the gateway-start benchmark reports them). Real processes: the real bin, a real serve.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

const running: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

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
    const root = mkdtempSync(path.join(tmpdir(), "polyplug-timeline-"));
    mkdirSync(path.join(root, "plugins"));
    const file = path.join(root, "timeline.json");
    const child = spawn(
      process.execPath,
      [
        fixturePaths.bin,
        "serve",
        "--plugins",
        path.join(root, "plugins"),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--data",
        path.join(root, "data"),
        "--sandbox",
        "off",
        "--log-format",
        "json",
      ],
      { env: { ...process.env, NO_COLOR: "1", POLYPLUG_START_TIMELINE: file }, stdio: ["ignore", "pipe", "pipe"] },
    );
    running.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`${code} ${signal}`)));
    await eventually(() => /listening on http:\/\/\S+/.test(output) || child.exitCode !== null, 60_000, "the banner");
    child.kill("SIGTERM");
    expect(await exited, output).toBe("0 null");

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
