import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/errors.js";
import { backendTitle, storeBackends } from "./store-backends.js";
import { bytes } from "./temp-store.js";

/** Characters whose UTF-16 order differs from their UTF-8 byte order (astral vs U+E000..U+FFFF). */
const alphabet = ["a", "b", "/", "é", "中", "\uffff", "\ue000", "😀", "\u{10ffff}", "~"];
const keyArb = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(""));
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip !== undefined)(backendTitle(backend, "paged prefix listing"), () => {
    it("yields exactly the keys with the prefix, in UTF-8 byte order, without duplicates", async () => {
      const { store } = await backend.open();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(keyArb, { maxLength: 60 }),
          fc.array(fc.constantFrom(...alphabet), { maxLength: 2 }).map((chars) => chars.join("")),
          fc.integer({ min: 1, max: 25 }),
          async (keys, prefix, pageSize) => {
            const namespace = `run-${run++}`;
            for (const key of keys) await store.kvSet(namespace, key, bytes(key));
            await store.kvSet(`${namespace}-other`, prefix === "" ? "x" : prefix, bytes("elsewhere"));
            const listed: string[] = [];
            let token = "";
            do {
              const page = await store.kvList(namespace, prefix, pageSize, token);
              expect(page.keys.length).toBeLessThanOrEqual(pageSize);
              listed.push(...page.keys);
              token = page.nextPageToken;
            } while (token !== "");
            const expected = keys.filter((key) => key.startsWith(prefix)).sort(byteOrder);
            expect(listed).toEqual(expected);
          },
        ),
        { numRuns: 60 },
      );
    });

    it("pages 2500 keys 1000 at a time, the last page ending the listing", async () => {
      const { store } = await backend.open();
      for (let i = 0; i < 2500; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => store.kvSet("p", `item/${String(i + j).padStart(5, "0")}`, bytes("v"))),
        );
      }
      await store.kvSet("p", "itemz", bytes("v"));
      const first = await store.kvList("p", "item/", 1000, "");
      const second = await store.kvList("p", "item/", 1000, first.nextPageToken);
      const third = await store.kvList("p", "item/", 1000, second.nextPageToken);
      expect([first.keys.length, second.keys.length, third.keys.length]).toEqual([1000, 1000, 500]);
      expect(third.nextPageToken).toBe("");
      expect(second.keys[0]).toBe("item/01000");
    });

    it("rejects a page size out of range, a token it did not produce, or one produced for another prefix", async () => {
      const { store } = await backend.open();
      for (const key of ["a1", "a2", "a3"]) await store.kvSet("p", key, bytes("v"));
      const { nextPageToken } = await store.kvList("p", "a", 1, "");
      expect(nextPageToken).not.toBe("");
      for (const [prefix, token, message, pageSize] of [
        ["a", "not a token!", /page_token: not a token produced by KvList/, 10],
        ["a", Buffer.from('{"v":1,"p":"a"}').toString("base64url"), /page_token: not a token produced by KvList/, 10],
        ["b", nextPageToken, /page_token: the token belongs to a listing with another prefix/, 10],
        ["a", "", /page_size: must be 1\.\.1000, got 1001/, 1001],
      ] as const) {
        const error = await store.kvList("p", prefix, pageSize, token).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(PolyplugError);
        expect((error as PolyplugError).message).toMatch(message);
        expect((error as PolyplugError).code).toBe("invalid_argument");
      }
    });
  });
}
