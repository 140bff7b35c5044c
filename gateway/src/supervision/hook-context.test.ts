import { describe, expect, it } from "vitest";
import { isTraceparent, newTraceparent } from "./hook-context.js";

describe("newTraceparent", () => {
  it("gives well-formed, distinct traceparents, also across refills of its random pool", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const value = newTraceparent();
      expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(isTraceparent(value)).toBe(true);
      seen.add(value.slice(3, 35));
      seen.add(value.slice(36, 52));
    }
    expect(seen.size).toBe(2000);
  });
});
