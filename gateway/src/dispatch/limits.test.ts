import { describe, expect, it } from "vitest";
import { structSize } from "@polyplug/sdk/internal/wire/struct-size.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { encodeCheckedPayload } from "./limits.js";

describe("encodeCheckedPayload", () => {
  it("returns the Struct bytes and rejects payloads over the limit naming the size", () => {
    expect(encodeCheckedPayload({ a: 1 }).length).toBe(structSize({ a: 1 }));
    const big = { data: "x".repeat(LIMITS.payloadBytes) };
    expect(() => encodeCheckedPayload(big, "modified payload")).toThrowError(
      expect.objectContaining({
        code: "resource_exhausted",
        message: expect.stringMatching(/^modified payload is \d+ bytes serialized, over the limit of 8388608 bytes/),
      }),
    );
  });
});
