// The benchmark harness in smoke mode (`npm run bench -- --quick`): every benchmark runs
// briefly against real plugins and go-plugin's Go host, and the results are well-formed.
// No timing is asserted: benchmarks are not tests.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";

const SUITES = ["roundtrip", "payload", "startup", "gateway-start", "e2e", "memory", "transports"];
const outDir = mkdtempSync(path.join(tmpdir(), "polyplug-bench-smoke-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface SuiteJson {
  title: string;
  columns: string[];
  rows: string[][];
  headlines: Array<{ metric: string; goal: string }>;
}

describe("npm run bench -- --quick", () => {
  it("runs every benchmark and writes JSON and Markdown results", async () => {
    const script = path.join(fixturePaths.gateway, "bench", "run.mjs");
    const { stderr } = await promisify(execFile)(process.execPath, [script, "--quick", "--out", outDir], {
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stderr).toContain("results:");

    const json = JSON.parse(readFileSync(path.join(outDir, "latest.json"), "utf8")) as {
      format: string;
      quick: boolean;
      machine: Record<string, unknown>;
      suites: Record<string, SuiteJson>;
      failures: Record<string, string>;
    };
    expect(json.format).toBe("polyplug-bench/1");
    expect(json.quick).toBe(true);
    expect(json.failures).toEqual({});
    expect(Object.keys(json.machine)).toEqual(
      expect.arrayContaining(["cpu", "cores", "memoryGiB", "node", "go", "python"]),
    );
    // At least these (suites added later run too), in this order.
    expect(Object.keys(json.suites).filter((name) => SUITES.includes(name))).toEqual(SUITES);
    for (const suite of Object.values(json.suites)) {
      expect(suite.rows.length).toBeGreaterThan(0);
      for (const row of suite.rows) expect(row).toHaveLength(suite.columns.length);
    }
    // The headline ratios are numbers, measured against the Go host in the same run.
    const roundtrip = json.suites.roundtrip as SuiteJson & {
      data: Array<{ plugin: string; latencyRatio: number; throughputRatio: number }>;
    };
    expect(roundtrip.data.map((d) => d.plugin)).toEqual(["go", "go", "go", "python", "python", "python"]);
    for (const d of roundtrip.data) expect(d.latencyRatio).toBeGreaterThan(0);

    const markdown = readFileSync(path.join(outDir, "latest.md"), "utf8");
    expect(markdown).toContain("### Headline");
    // Every row of issue #17's table, each next to its Go baseline.
    const goalRows = new Set(
      Object.values(json.suites).flatMap((s) =>
        s.headlines.map((h) => (h as { issueRow?: number }).issueRow).filter((r) => r !== undefined),
      ),
    );
    expect([...goalRows].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Rows 1 and 3 also with Polyplug on the machine's cores (workers), next to its 1-process
    // figure and the Go gateway measured in the same turns, each with its CPU per request.
    const workers = json.suites.workers as unknown as Omit<SuiteJson, "headlines"> & {
      headlines: Array<{ issueRow?: number; polyplug?: string; baseline?: string }>;
      data: { cores: number; rows: Array<{ workers: number | null; cpuUsPerRequest: number }> };
    };
    const onCores = workers.headlines.filter((h) => h.issueRow !== undefined);
    expect(onCores.map((h) => h.issueRow)).toEqual([1, 3]);
    for (const h of onCores) {
      expect(h.polyplug).toMatch(/CPU .* \/ request \(1 process in this suite: .*CPU .* \/ request\)/);
      expect(h.baseline).toMatch(/CPU .* \/ request \(Go gateway\)/);
    }
    const counts = [1, 2, workers.data.cores];
    expect(new Set(workers.data.rows.map((r) => r.workers))).toEqual(new Set([...counts, null]));
    // ≥ 0, not > 0: /proc counts in 10 ms ticks and a smoke window is short.
    for (const row of workers.data.rows) expect(row.cpuUsPerRequest).toBeGreaterThanOrEqual(0);
    for (const suite of Object.values(json.suites)) expect(markdown).toContain(`### ${suite.title}`);
    expect(markdown).toMatch(/\| Plugin \| Load \| TS host median \/ p99 \|/);
  }, 250_000);

  it("runs the optional public-cpu suite: CPU per request of each server, one row each", async () => {
    const script = path.join(fixturePaths.gateway, "bench", "run.mjs");
    const out = mkdtempSync(path.join(tmpdir(), "polyplug-bench-cpu-"));
    try {
      await promisify(execFile)(process.execPath, [script, "--quick", "--only", "public-cpu", "--out", out], {
        timeout: 120_000,
      });
      const json = JSON.parse(readFileSync(path.join(out, "latest.json"), "utf8")) as {
        suites: Record<string, SuiteJson & { data: Array<{ name: string; cpuUsPerRequest: number }> }>;
        failures: Record<string, string>;
      };
      expect(json.failures).toEqual({});
      const data = json.suites["public-cpu"]?.data ?? [];
      expect(data.map((d) => d.name)).toEqual([
        "bare node:http",
        "surfaces",
        "full, 1 Go plugin",
        "Go gateway, 1 Go plugin",
      ]);
      for (const d of data) expect(d.cpuUsPerRequest).toBeGreaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 130_000);

  it("refuses an unknown option with exit code 2", async () => {
    const script = path.join(fixturePaths.gateway, "bench", "run.mjs");
    const failure = await promisify(execFile)(process.execPath, [script, "--nope"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('unknown argument "--nope"');
  });

  it("refuses to put smoke-run numbers into the README (--readme with --quick) with exit code 2", async () => {
    const script = path.join(fixturePaths.gateway, "bench", "run.mjs");
    const failure = await promisify(execFile)(process.execPath, [script, "--quick", "--readme"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain("--readme needs a full run");
  });
});
