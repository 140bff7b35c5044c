import { describe, expect, it } from "vitest";
import { pluginUid, PLUGIN_UID_BASE, PLUGIN_UID_SPAN } from "./plugin-uid.js";
import { DEFAULT_RESOURCE_LIMITS, describeResourceLimits, resolveResourceLimits } from "./resource-limits.js";

describe("resolveResourceLimits", () => {
  it.each([
    ["nothing set: the defaults", {}, DEFAULT_RESOURCE_LIMITS],
    [
      "the operator's default over the gateway's",
      { operatorDefault: { memoryMiB: 256 } },
      { ...DEFAULT_RESOURCE_LIMITS, memoryMiB: 256 },
    ],
    [
      "the manifest over the operator's default",
      { operatorDefault: { memoryMiB: 256 }, manifest: { memoryMiB: 1024 } },
      { ...DEFAULT_RESOURCE_LIMITS, memoryMiB: 1024 },
    ],
    [
      "the operator's per-plugin value over the manifest",
      { manifest: { memoryMiB: 1024, processes: 8 }, operatorPlugin: { memoryMiB: 128 } },
      { ...DEFAULT_RESOURCE_LIMITS, memoryMiB: 128, processes: 8 },
    ],
    [
      "undefined fields do not erase lower layers",
      { operatorDefault: { cpuPercent: 50 }, manifest: { cpuPercent: undefined } },
      { ...DEFAULT_RESOURCE_LIMITS, cpuPercent: 50 },
    ],
  ] as const)("%s", (_name, layers, expected) => {
    expect(resolveResourceLimits(layers)).toEqual(expected);
  });

  it("describes limits for logs", () => {
    expect(describeResourceLimits(DEFAULT_RESOURCE_LIMITS)).toBe(
      "memory 512 MiB, CPU 100%, 256 processes, 1024 open files",
    );
  });
});

describe("pluginUid", () => {
  it("is stable per plugin id and inside the reserved range", () => {
    expect(pluginUid("com.example.a")).toBe(pluginUid("com.example.a"));
    expect(pluginUid("com.example.a")).not.toBe(pluginUid("com.example.b"));
    for (const id of ["abc", "com.polyplug.example.wordfilter", "x".repeat(190)]) {
      expect(pluginUid(id)).toBeGreaterThanOrEqual(PLUGIN_UID_BASE);
      expect(pluginUid(id)).toBeLessThan(PLUGIN_UID_BASE + PLUGIN_UID_SPAN);
    }
  });
});
