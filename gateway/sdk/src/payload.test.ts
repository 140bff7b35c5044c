import { describe, expect, it } from "vitest";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import { checkStructSize, toJsonObject } from "./payload.js";
import { PluginError } from "./plugin-error.js";

describe("toJsonObject", () => {
  it("keeps JSON, drops undefined properties, honours toJSON", () => {
    const at = new Date(0);
    expect(toJsonObject({ a: 1, b: undefined, c: [1, undefined], d: { at } }, "payload")).toEqual({
      a: 1,
      c: [1, null],
      d: { at: "1970-01-01T00:00:00.000Z" },
    });
  });
  it.each([
    [{ n: Number.POSITIVE_INFINITY }, "$.n is Infinity"],
    [{ big: 1n }, "$.big is a bigint"],
    [{ f: () => 1 }, "$.f is a function"],
    [{ bytes: new Uint8Array(1) }, "$.bytes is binary data"],
  ])("rejects %o naming the path", (value, message) => {
    expect(() => toJsonObject(value, "payload")).toThrow(message);
  });
  it("rejects cycles and non-objects", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonObject(cyclic, "payload")).toThrow("cycle");
    expect(() => toJsonObject("text", "payload")).toThrow("must be a JSON object, got string");
  });
});

describe("checkStructSize", () => {
  it("throws RESOURCE_EXHAUSTED with the limit in details", () => {
    try {
      checkStructSize({ s: "x".repeat(2000) }, 1024, "payload");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PluginError);
      expect((error as PluginError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
      expect((error as PluginError).details).toEqual({ limit: "1024 bytes" });
      expect((error as PluginError).message).toContain("over the limit of 1024 bytes (1 KiB)");
    }
  });
});
