import fc from "fast-check";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { varintSize, writeVarint } from "./varint.js";

describe("varint", () => {
  it("writes protobuf-es's bytes for every non-negative safe integer and sizes them", () => {
    const edges = [
      0,
      1,
      0x7f,
      0x80,
      0x3fff,
      0x4000,
      0xfffffff,
      0x10000000,
      0xffffffff,
      2 ** 32,
      2 ** 35 - 1,
      2 ** 35,
      2 ** 49,
      Number.MAX_SAFE_INTEGER,
    ];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...edges), fc.nat(), fc.maxSafeNat()), (value) => {
        const expected = new BinaryWriter().uint64(value).finish();
        const out = new Uint8Array(12).fill(0xee);
        const end = writeVarint(out, 1, value);
        expect(Buffer.from(out.subarray(1, end)).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
        expect(varintSize(value)).toBe(expected.length);
        expect(out[end]).toBe(0xee); // nothing written past the varint
      }),
      { numRuns: 2000 },
    );
  });
});
