import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { checkKvKey, ttlToMs } from "./kv.js";

describe("ttlToMs", () => {
  it.each([
    [undefined, undefined],
    [{ seconds: 0n, nanos: 0 }, undefined],
    [{ seconds: 0n, nanos: 1 }, 1],
    [{ seconds: 0n, nanos: 1_000_000 }, 1],
    [{ seconds: 0n, nanos: 1_000_001 }, 2],
    [{ seconds: 3n, nanos: 500_000_000 }, 3500],
  ])("%o is %o ms (rounded up)", (duration, ms) => {
    expect(ttlToMs(duration && create(DurationSchema, duration))).toBe(ms);
  });

  it("rejects negative and malformed durations", () => {
    expect(() => ttlToMs(create(DurationSchema, { seconds: -1n }))).toThrow(/ttl: must not be negative/);
    expect(() => ttlToMs(create(DurationSchema, { seconds: 1n, nanos: 1_000_000_000 }))).toThrow(/ttl: is not a valid/);
    expect(() => ttlToMs(create(DurationSchema, { seconds: 315_576_000_001n }))).toThrow(/ttl: is not a valid/);
  });
});

describe("checkKvKey", () => {
  it("accepts 1..512 bytes of well-formed UTF-8 without NUL", () => {
    for (const key of ["a", "é".repeat(256), "😀", "x".repeat(512)]) expect(() => checkKvKey("key", key)).not.toThrow();
  });
  it("rejects lone surrogates", () => {
    expect(() => checkKvKey("key", "a\ud800")).toThrow(/key: must be well-formed UTF-8/);
  });
});
