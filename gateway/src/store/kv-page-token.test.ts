import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken, prefixUpperBound } from "./kv-page-token.js";

const utf8 = (text: string) => Buffer.from(text, "utf8");

describe("prefixUpperBound", () => {
  it.each([
    ["", undefined],
    ["a", "b"],
    ["ab", "ac"],
    ["a\u{10ffff}", "b"],
    ["\u{10ffff}", undefined],
    ["\ud7ff", "\ue000"],
  ])("of %j is %j", (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
  });

  it("is above every string with the prefix and at or below every greater string without it", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 6 });
    fc.assert(
      fc.property(text, text, text, (prefix, suffix, other) => {
        const bound = prefixUpperBound(prefix);
        if (bound === undefined) return;
        expect(Buffer.compare(utf8(prefix + suffix), utf8(bound))).toBe(-1);
        if (!other.startsWith(prefix) && Buffer.compare(utf8(other), utf8(prefix)) > 0) {
          expect(Buffer.compare(utf8(other), utf8(bound))).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe("page tokens", () => {
  it("round-trip the last key for the same prefix", () => {
    expect(decodePageToken("a/", encodePageToken("a/", "a/ü"))).toBe("a/ü");
    expect(decodePageToken("a/", "")).toBeUndefined();
  });
});
