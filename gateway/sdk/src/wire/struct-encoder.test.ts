import fc from "fast-check";
import { fromJson, toBinary, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { encodeJsonStruct, encodeStruct } from "./struct-encoder.js";
import { structSize } from "./struct-size.js";

function reference(object: JsonObject): Buffer {
  return Buffer.from(toBinary(StructSchema, fromJson(StructSchema, object)));
}

/** A pseudo-random JSON object (deterministic: the same `seed` gives the same object). */
function randomObject(seed: number): JsonObject {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const strings = ["", "a", "ключ", "🎉✓", "x".repeat(130), '\u0000\u2028"', "y".repeat(17_000)];
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 5 || r < 0.45) {
      const k = Math.floor(next() * 8);
      return [null, true, false, 0, -0, (next() - 0.5) * 1e12, 1e-300, strings[Math.floor(next() * strings.length)]][k];
    }
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 6) }, () => value(depth + 1));
    return object(depth + 1);
  };
  const object = (depth: number): JsonObject => {
    const out: JsonObject = {};
    const n = Math.floor(next() * 7);
    for (let i = 0; i < n; i++)
      out[next() < 0.2 ? String(Math.floor(next() * 50)) : `${strings[Math.floor(next() * 4)]}${i}`] = value(
        depth,
      ) as JsonObject[string];
    return out;
  };
  return object(0);
}

describe("encodeJsonStruct", () => {
  it("writes protobuf-es's very bytes for JSON objects", () => {
    const fixed: JsonObject[] = [
      {},
      { message: "hello, plugin", user_id: "u-1", channel_id: "town" },
      { n: 0, neg: -1.5, big: 1e300, t: true, f: false, nothing: null, empty: "" },
      { nested: { list: [1, "two", null, false, { deep: [[], {}] }], ключ: "значение ✓ 🎉" } },
      { "2": "integer-like keys come first", a: 1, "1": [] },
      { data: "x".repeat(300_000) },
      JSON.parse('{"a":{"b":{"c":[[[{"d":-0}]]]}}}') as JsonObject,
    ];
    for (const object of fixed) expect(Buffer.from(encodeJsonStruct(object)!).equals(reference(object))).toBe(true);
    for (let seed = 1; seed <= 300; seed++) {
      const object = randomObject(seed);
      expect(
        Buffer.from(encodeJsonStruct(object)!).equals(reference(object)),
        JSON.stringify(object).slice(0, 200),
      ).toBe(true);
    }
  });

  it("matches protobuf-es for numbers JSON cannot spell", () => {
    const object = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY };
    expect(Buffer.from(encodeJsonStruct(object)!).equals(reference(object))).toBe(true);
  });

  it("leaves to protobuf-es what it rejects or treats specially", () => {
    expect(encodeJsonStruct({ a: undefined })).toBeUndefined();
    expect(encodeJsonStruct({ a: [1, () => 2] })).toBeUndefined();
    expect(encodeJsonStruct({ a: 10n })).toBeUndefined();
    expect(encodeJsonStruct(JSON.parse('{"__proto__": {"x": 1}}') as JsonObject)).toBeUndefined();
    // protobuf-es's recursion limit counts the top-level Struct: a Value 100 levels down is too deep.
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ v })]) {
      let deep: unknown = 1;
      for (let i = 0; i < 99; i++) deep = wrap(deep);
      expect(encodeJsonStruct({ deep })).toBeUndefined();
      expect(() => fromJson(StructSchema, { deep } as JsonObject)).toThrow(/recursion/);
    }
    let ok: unknown = 1;
    for (let i = 0; i < 98; i++) ok = i % 2 ? [ok] : { ok };
    expect(Buffer.from(encodeJsonStruct({ ok })!).equals(reference({ ok } as JsonObject))).toBe(true);
  });
});

/** JSON objects as JSON.parse builds them (-0 included), with strings of any code unit and long ones. */
const jsonObject = fc.dictionary(
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.oneof(
    fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }),
    fc.string({ unit: "grapheme", minLength: 30, maxLength: 200 }),
  ),
  { maxKeys: 8 },
) as fc.Arbitrary<JsonObject>;

describe("encodeStruct and structSize (differential against protobuf-es)", () => {
  it("encodeStruct writes protobuf-es's bytes and structSize measures them, for random JSON objects", () => {
    fc.assert(
      fc.property(jsonObject, (object) => {
        const expected = reference(object);
        expect(Buffer.from(encodeStruct(object)).toString("hex")).toBe(expected.toString("hex"));
        expect(structSize(object)).toBe(expected.length);
      }),
      { numRuns: 400 },
    );
  });

  it("long strings and deep nesting: lengths of several bytes, nothing out of place", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 40, maxLength: 3000 }),
        fc.integer({ min: 0, max: 97 }),
        fc.boolean(),
        (text, depth, inList) => {
          let value: JsonValue = text;
          for (let i = 0; i < depth; i++) value = i % 2 ? [value, text] : { text, value };
          const object = (inList ? { list: [value] } : { value }) as JsonObject;
          expect(Buffer.from(encodeStruct(object)).equals(reference(object))).toBe(true);
          expect(structSize(object)).toBe(reference(object).length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("leaves non-JSON input to protobuf-es: its bytes or its very error", () => {
    for (const object of [
      { a: undefined },
      { a: [1, () => 2] },
      { a: 10n },
      JSON.parse('{"__proto__": {"x": 1}}'),
    ] as JsonObject[]) {
      let expected: unknown;
      try {
        expected = reference(object).length;
      } catch (error) {
        expected = (error as Error).message;
      }
      for (const measure of [() => structSize(object), () => encodeStruct(object).length]) {
        let actual: unknown;
        try {
          actual = measure();
        } catch (error) {
          actual = (error as Error).message;
        }
        expect(actual).toEqual(expected);
      }
    }
  });
});
