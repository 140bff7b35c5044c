import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/errors.js";
import { bytes, tempStore } from "./temp-store.js";

/** Characters whose UTF-16 order differs from their UTF-8 byte order (astral vs U+E000..U+FFFF). */
const alphabet = ["a", "b", "/", "é", "中", "\uffff", "\ue000", "😀", "\u{10ffff}", "~"];
const keyArb = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(""));
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

describe("sqlite store: paged prefix listing", () => {
  it("yields exactly the keys with the prefix, in UTF-8 byte order, without duplicates", () => {
    const { store } = tempStore();
    let run = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { maxLength: 120 }),
        fc.array(fc.constantFrom(...alphabet), { maxLength: 2 }).map((chars) => chars.join("")),
        fc.integer({ min: 1, max: 25 }),
        (keys, prefix, pageSize) => {
          const namespace = `run-${run++}`;
          for (const key of keys) store.kvSet(namespace, key, bytes(key));
          store.kvSet(`${namespace}-other`, prefix === "" ? "x" : prefix, bytes("elsewhere"));
          const listed: string[] = [];
          let token = "";
          do {
            const page = store.kvList(namespace, prefix, pageSize, token);
            expect(page.keys.length).toBeLessThanOrEqual(pageSize);
            listed.push(...page.keys);
            token = page.nextPageToken;
          } while (token !== "");
          const expected = keys.filter((key) => key.startsWith(prefix)).sort(byteOrder);
          expect(listed).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("pages 2500 keys 1000 at a time, the last page ending the listing", () => {
    const { store } = tempStore();
    for (let i = 0; i < 2500; i++) store.kvSet("p", `item/${String(i).padStart(5, "0")}`, bytes("v"));
    store.kvSet("p", "itemz", bytes("v"));
    const first = store.kvList("p", "item/", 1000, "");
    const second = store.kvList("p", "item/", 1000, first.nextPageToken);
    const third = store.kvList("p", "item/", 1000, second.nextPageToken);
    expect([first.keys.length, second.keys.length, third.keys.length]).toEqual([1000, 1000, 500]);
    expect(third.nextPageToken).toBe("");
    expect(second.keys[0]).toBe("item/01000");
  });

  it("rejects a token it did not produce, or produced for another prefix", () => {
    const { store } = tempStore();
    for (const key of ["a1", "a2", "a3"]) store.kvSet("p", key, bytes("v"));
    const { nextPageToken } = store.kvList("p", "a", 1, "");
    expect(nextPageToken).not.toBe("");
    for (const [prefix, token, message] of [
      ["a", "not a token!", /page_token: not a token produced by KvList/],
      ["a", Buffer.from('{"v":1,"p":"a"}').toString("base64url"), /page_token: not a token produced by KvList/],
      ["b", nextPageToken, /page_token: the token belongs to a listing with another prefix/],
    ] as const) {
      expect(() => store.kvList("p", prefix, 10, token)).toThrow(message);
      try {
        store.kvList("p", prefix, 10, token);
      } catch (error) {
        expect((error as PolyplugError).code).toBe("invalid_argument");
      }
    }
  });
});
