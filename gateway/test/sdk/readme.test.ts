// Runs the SDK README's quick start: the plugin and manifest it shows, probed with the CLI
// command it shows, then its command called through the host core.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { parseManifest } from "../../src/registry/manifest.js";
import { fixturePaths } from "../paths.js";
import { ensureSdkBuilt, startActivated, stopAll } from "./harness.js";

const readme = readFileSync(path.join(fixturePaths.gateway, "sdk", "README.md"), "utf8");
const block = (lang: string): string => {
  const match = readme.match(new RegExp("```" + lang + "\\n([\\s\\S]*?)```"));
  if (!match?.[1]) throw new Error(`no ${lang} block in the SDK README`);
  return match[1];
};
// Inside gateway/ so that `polyplug/sdk` resolves (package self-reference).
const dir = mkdtempSync(path.join(fixturePaths.gateway, "test", "sdk", "readme-"));
const entry = path.join(dir, "plugin.mjs");

beforeAll(() => {
  ensureSdkBuilt();
  writeFileSync(entry, block("js"));
  writeFileSync(path.join(dir, "plugin.json"), block("json"));
});
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("SDK README quick start", () => {
  it("probes healthy with the command the README shows", () => {
    const output = execFileSync(process.execPath, [fixturePaths.bin, "probe", "--json", "--", "node", "plugin.mjs"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(JSON.parse(output)).toMatchObject({ ok: true, health: "SERVING", appProtocolVersion: 1 });
  });

  it("matches its manifest and works as written", async () => {
    const manifest = parseManifest(block("json"), "README plugin.json");
    const { rpc, api, description } = await startActivated(entry, { config: { greeting: "hi" } });
    expect(description.pluginId).toBe(manifest.id);
    expect(description.interceptTopics).toEqual(manifest.hooks.intercept.map((subscription) => subscription.topic));
    expect(description.implementedHooks).toEqual(expect.arrayContaining([Hook.INTERCEPT, Hook.EXECUTE_COMMAND]));
    expect(api.logs[0]).toMatchObject({ message: "greeter activated", fields: { greeting: "hi" } });
    const greeted = await rpc.executeCommand({ command: "greet", args: ["Ada"], raw: "/greet Ada" });
    expect(greeted).toMatchObject({ text: "hi, Ada!", data: { count: 1 } });
    expect(
      (await rpc.intercept({ topic: "message.will_be_posted", payload: { message: "buy spam" } })).outcome,
    ).toMatchObject({ case: "reject", value: { code: "spam" } });
  });
});
