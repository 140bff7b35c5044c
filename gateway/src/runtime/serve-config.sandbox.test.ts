import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readServeConfig } from "./serve-config.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-serve-config-")), "polyplug.yaml");
  writeFileSync(file, text);
  return file;
}

describe("serve config: sandbox and pluginLimits", () => {
  it("reads the sandbox mode and per-plugin limits", async () => {
    const config = await readServeConfig(
      configFile(
        "sandbox:\n  mode: auto\npluginLimits:\n  default: { memoryMiB: 256 }\n  com.example.big: { memoryMiB: 2048, cpuPercent: 200 }\n",
      ),
    );
    expect(config.sandbox).toEqual({ mode: "auto" });
    expect(config.pluginLimits).toEqual({
      default: { memoryMiB: 256 },
      "com.example.big": { memoryMiB: 2048, cpuPercent: 200 },
    });
  });

  it.each([
    ["an unknown mode", "sandbox:\n  mode: maybe\n", "field sandbox.mode"],
    [
      "a limit below the minimum",
      "pluginLimits:\n  default: { memoryMiB: 1 }\n",
      "field pluginLimits.default.memoryMiB",
    ],
    ["an unknown limit", "pluginLimits:\n  default: { disk: 5 }\n", "field pluginLimits.default"],
    ["a key that is no plugin id", "pluginLimits:\n  'a b': { memoryMiB: 64 }\n", "field pluginLimits.a b"],
  ])("refuses %s, naming the field", async (_name, text, field) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow(field);
  });
});
