import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";
import { startWatched } from "../fixtures/cli-process.js";

const python = path.join(fixturePaths.repo, ".venv", "bin", "python");

/** A Python plugin subscribed to message.will_be_posted whose hook body is `body`. */
function plugin(body: readonly string[], manifestExtra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-check-plugin-"));
  chmodSync(dir, 0o755); // readable by the sandboxed plugin's own uid
  writeFileSync(
    path.join(dir, "plugin.json"),
    JSON.stringify({
      id: "com.example.checked",
      name: "Checked",
      version: "0.1.0",
      command: ["python", "plugin.py"],
      hooks: { intercept: [{ topic: "message.will_be_posted" }] },
      ...manifestExtra,
    }),
  );
  writeFileSync(
    path.join(dir, "plugin.py"),
    [
      "import os",
      "from polyplug import Plugin, Reject",
      'plugin = Plugin(id="com.example.checked", version="0.1.0")',
      '@plugin.intercept("message.will_be_posted")',
      "def check(ctx, payload):",
      ...body.map((line) => `    ${line}`),
      'if __name__ == "__main__":',
      "    plugin.serve()",
      "",
    ].join("\n"),
  );
  return dir;
}

async function check(dir: string, extra: readonly string[] = []): Promise<{ code: number | string; output: string }> {
  const run = startWatched(process.execPath, [fixturePaths.bin, "check", dir, "--python", python, ...extra]);
  const code = await run.exited;
  return { code, output: run.output() };
}

describe("polyplug check", () => {
  it("passes a well-behaved plugin and says what it ran", async () => {
    const { code, output } = await check(path.join(fixturePaths.repo, "examples-python", "plugins", "wordfilter"), [
      "--runs",
      "15",
    ]);
    expect(output).toMatch(/✔ manifest\s+plugin\.json is valid/);
    expect(output).toMatch(/✔ start and activate\s+active with the default settings/);
    expect(output).toMatch(/✔ Describe agrees with the manifest/);
    expect(output).toMatch(/✔ intercept message\.will_be_posted\s+15 generated inputs answered/);
    expect(output).toMatch(/✔ stdout/);
    expect(output).toMatch(/6 passed, 0 failed · seed \d+, 15 inputs per hook/);
    expect(code).toBe(0);
  }, 300_000);

  it("finds the input that crashes a hook, shrinks it, and replays it from the seed", async () => {
    const dir = plugin([
      'text = payload.get("message")',
      "if isinstance(text, str) and len(text) >= 3:",
      "    os._exit(3)",
      "return None",
    ]);
    const first = await check(dir, ["--runs", "30", "--json"]);
    expect(first.code).toBe(1);
    const report = JSON.parse(first.output) as {
      seed: number;
      ok: boolean;
      checks: Array<{ name: string; ok: boolean; detail: string; failingInput?: string }>;
    };
    const failed = report.checks.find((c) => c.name === "intercept message.will_be_posted");
    expect(failed?.ok).toBe(false);
    // Shrunk to the smallest crashing payload: a three-character message and nothing else.
    const input = JSON.parse(failed!.failingInput!) as { message: string };
    expect(Object.keys(input)).toEqual(["message"]);
    expect([...input.message]).toHaveLength(3);
    expect(failed!.detail).toMatch(/failed|restarting|exited|not called/);

    const replay = await check(dir, ["--runs", "30", "--json", "--seed", String(report.seed)]);
    const again = (JSON.parse(replay.output) as typeof report).checks.find((c) => c.name === failed!.name);
    expect(again?.failingInput).toBe(failed!.failingInput);

    const human = await check(dir, ["--runs", "30", "--seed", String(report.seed)]);
    expect(human.output).toMatch(/✖ intercept message\.will_be_posted[\s\S]*input: \{"message":/);
    expect(human.output).toContain(`replay: polyplug check ${dir} --seed ${report.seed} --runs 30`);
  }, 400_000);

  it("reports a manifest topic the plugin does not implement", async () => {
    const dir = plugin(["return None"], {
      hooks: { intercept: [{ topic: "message.will_be_posted" }, { topic: "message.deleted" }] },
    });
    const { code, output } = await check(dir, ["--runs", "5"]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /✖ Describe agrees with the manifest\s+the manifest subscribes to intercept message\.deleted but Describe does not list it/,
    );
  }, 300_000);

  it("reports a hook that prints to stdout", async () => {
    const dir = plugin(['print("debugging", flush=True)', "return None"]);
    const { code, output } = await check(dir, ["--runs", "5"]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /✖ (intercept message\.will_be_posted|stdout)\s+.*(wrote to stdout|wrote \d+ line\(s\) to stdout)/,
    );
  }, 300_000);

  it("fails clearly on a folder with a broken manifest", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "polyplug-check-broken-"));
    writeFileSync(path.join(dir, "plugin.json"), "{ nope");
    const { code, output } = await check(dir);
    expect(code).toBe(1);
    expect(output).toMatch(/✖ manifest\s+.*plugin\.json: not valid JSON/);
  }, 120_000);
});
