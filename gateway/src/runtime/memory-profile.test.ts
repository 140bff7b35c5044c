import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../errors.js";
import { applyMemoryProfile, memoryProfileOf } from "./memory-profile.js";

describe("memoryProfileOf", () => {
  it.each([
    [["--memory-profile", "small"], {}, "small"],
    [["--listen", "x", "--memory-profile=small"], {}, "small"],
    [[], { POLYPLUG_MEMORY_PROFILE: "small" }, "small"],
    [["--memory-profile", "default"], { POLYPLUG_MEMORY_PROFILE: "small" }, "default"],
    [[], {}, "default"],
    [["--", "--memory-profile", "small"], {}, "default"],
  ] as const)("%j with env %j → %s", (argv, env, expected) => {
    expect(memoryProfileOf(argv, env)).toBe(expected);
  });

  it.each([[["--memory-profile"]], [["--memory-profile", "tiny"]], [["--memory-profile="]]])(
    "refuses %j with invalid_argument",
    (argv) => {
      expect(() => memoryProfileOf(argv, {})).toThrow(PolyplugError);
      try {
        memoryProfileOf(argv, {});
      } catch (error) {
        expect((error as PolyplugError).code).toBe(ErrorCode.InvalidArgument);
      }
    },
  );
});

describe("applyMemoryProfile", () => {
  it("applies nothing for default, or when the operator sized the young generation", () => {
    expect(applyMemoryProfile("default", [], "")).toEqual([]);
    expect(applyMemoryProfile("small", ["--max-semi-space-size=8"], "")).toEqual([]);
    expect(applyMemoryProfile("small", [], "--max-old-space-size=512 --max-semi-space-size=8")).toEqual([]);
    expect(applyMemoryProfile("small", ["--semi-space-growth-factor=4"], "")).toEqual([]);
  });
});
