import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readServeConfig } from "./serve-config.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "pp-config-")), "polyplug.yaml");
  writeFileSync(file, text);
  return file;
}

describe("serve config: fail-safe keys", () => {
  it("reads failurePolicy, maxInFlightPerPlugin and shutdownTimeoutMs", async () => {
    const config = await readServeConfig(
      configFile(`failurePolicy:\n  default: closed\n  plugins:\n    p.a: open\n    p.b: { "message.*": closed }\nmaxInFlightPerPlugin: 16\nshutdownTimeoutMs: 3000\n`),
    );
    expect(config).toMatchObject({ failurePolicy: { default: "closed", plugins: { "p.a": "open", "p.b": { "message.*": "closed" } } }, maxInFlightPerPlugin: 16, shutdownTimeoutMs: 3000 });
  });

  it.each([
    ["a bad mode", "failurePolicy:\n  default: shut\n", /field failurePolicy.default/],
    ["a bad topic", "failurePolicy:\n  plugins:\n    p.a: { \"Not A Topic\": open }\n", /field failurePolicy.plugins.p.a/],
    ["an unknown key", "failurePolicy:\n  defaults: open\n", /failurePolicy/],
    ["a zero limit", "maxInFlightPerPlugin: 0\n", /field maxInFlightPerPlugin/],
  ])("refuses %s, naming the field", async (_name, text, message) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow(message);
  });
});
