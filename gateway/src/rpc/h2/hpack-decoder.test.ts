import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { H2Code, HEADER_TABLE_BYTES } from "./constants.js";
import { H2ConnectionError } from "./h2-error.js";
import { HpackDecoder } from "./hpack-decoder.js";
import { STATIC_TABLE } from "./hpack-static-table.js";
import { HUFFMAN_CODE, huffmanDecode } from "./huffman.js";

// A small test-side HPACK encoder (RFC 7541 §5-6), independent of the production encoder.

function integer(value: number, prefixBits: number, flags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function huffmanEncode(bytes: Buffer): number[] {
  const out: number[] = [];
  let acc = 0n;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << BigInt(HUFFMAN_CODE.bits[byte]!)) | BigInt(HUFFMAN_CODE.codes[byte]!);
    bits += HUFFMAN_CODE.bits[byte]!;
    while (bits >= 8) {
      bits -= 8;
      out.push(Number((acc >> BigInt(bits)) & 0xffn));
    }
  }
  if (bits > 0) out.push(Number(((acc << BigInt(8 - bits)) | ((1n << BigInt(8 - bits)) - 1n)) & 0xffn)); // pad with EOS's leading ones
  return out;
}

function string(text: string, huffman: boolean): number[] {
  const bytes = Buffer.from(text, "latin1");
  if (!huffman) return [...integer(bytes.length, 7, 0), ...bytes];
  const coded = huffmanEncode(bytes);
  return [...integer(coded.length, 7, 0x80), ...coded];
}

const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});
const field = fc.tuple(latin1, latin1);

/** The dynamic table as the spec describes it: newest first, evicting the oldest. */
class TableModel {
  entries: Array<[string, string]> = [];
  limit = HEADER_TABLE_BYTES;
  size(): number {
    return this.entries.reduce((sum, [n, v]) => sum + n.length + v.length + 32, 0);
  }
  insert(name: string, value: string): void {
    this.entries.unshift([name, value]);
    this.evict();
  }
  evict(): void {
    while (this.size() > this.limit) this.entries.pop();
  }
}

type Op =
  | { kind: "insert"; field: [string, string]; huffman: boolean; nameRef: boolean }
  | { kind: "literal"; field: [string, string]; never: boolean }
  | { kind: "ref"; pick: number }
  | { kind: "static"; pick: number }
  | { kind: "resize"; size: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), field, huffman: fc.boolean(), nameRef: fc.boolean() }),
  fc.record({ kind: fc.constant("literal" as const), field, never: fc.boolean() }),
  fc.record({ kind: fc.constant("ref" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("static" as const), pick: fc.integer({ min: 1, max: 61 }) }),
  fc.record({ kind: fc.constant("resize" as const), size: fc.integer({ min: 0, max: HEADER_TABLE_BYTES }) }),
);

function decodeAll(decoder: HpackDecoder, block: number[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  decoder.decode(Buffer.from(block), (name, value) => out.push([name, value]));
  return out;
}

describe("HPACK decoder", () => {
  it("decodes any sequence of blocks like the spec's table model (indexing, eviction, size updates, Huffman)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 12 }), { maxLength: 6 }), (blocks) => {
        const decoder = new HpackDecoder(HEADER_TABLE_BYTES);
        const model = new TableModel();
        for (const ops of blocks) {
          const block: number[] = [];
          const expected: Array<[string, string]> = [];
          // Size updates are only legal first in a block.
          for (const o of [...ops.filter((x) => x.kind === "resize"), ...ops.filter((x) => x.kind !== "resize")]) {
            if (o.kind === "resize") {
              block.push(...integer(o.size, 5, 0x20));
              model.limit = o.size;
              model.evict();
            } else if (o.kind === "insert") {
              const [name, value] = o.field;
              block.push(...integer(0, 6, 0x40), ...string(name, o.huffman), ...string(value, !o.huffman));
              model.insert(name, value);
              expected.push([name, value]);
            } else if (o.kind === "literal") {
              const [name, value] = o.field;
              block.push(o.never ? 0x10 : 0x00, ...string(name, true), ...string(value, false));
              expected.push([name, value]);
            } else if (o.kind === "static") {
              block.push(...integer(o.pick, 7, 0x80));
              expected.push([...STATIC_TABLE[o.pick]!] as [string, string]);
            } else if (model.entries.length > 0) {
              const index = o.pick % model.entries.length;
              block.push(...integer(STATIC_TABLE.length + index, 7, 0x80));
              expected.push([...model.entries[index]!] as [string, string]);
            }
          }
          expect(decodeAll(decoder, block)).toEqual(expected);
          expect(decoder.dynamicTableBytes).toBe(model.size());
        }
      }),
    );
  });

  it("round-trips any bytes through Huffman coding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const coded = Buffer.from(huffmanEncode(Buffer.from(bytes)));
        expect(huffmanDecode(coded, 0, coded.length)).toBe(Buffer.from(bytes).toString("latin1"));
      }),
    );
  });

  it("decodes the spec's Huffman example (RFC 7541 C.4.1: www.example.com)", () => {
    const coded = Buffer.from("f1e3c2e5f23a6ba0ab90f4ff", "hex");
    expect(huffmanDecode(coded, 0, coded.length)).toBe("www.example.com");
  });

  it("refuses bad Huffman padding, EOS and table misuse with COMPRESSION_ERROR", () => {
    const cases: Array<[string, number[]]> = [
      ["padding not all ones", [0x00, 0x81, 0x00]], // literal, Huffman name of one byte 0x00
      ["padding over 7 bits", [0x00, 0x82, 0x1f, 0xff, 0x00]],
      ["EOS inside", [0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]],
      ["index 0", [0x80]],
      ["index past the dynamic table", [0xbe]],
      ["size update above our limit", [0x3f, 0xe2, 0x1f]],
      ["size update after a field", [0x82, 0x20]],
      ["string past the end", [0x00, 0x05, 0x61]],
      ["integer past the end", [0xff]],
      ["huge integer", [0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
    ];
    for (const [why, block] of cases) {
      const error = (() => {
        try {
          decodeAll(new HpackDecoder(HEADER_TABLE_BYTES), block);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, why).toBeInstanceOf(H2ConnectionError);
      expect((error as H2ConnectionError).code, why).toBe(H2Code.COMPRESSION_ERROR);
    }
  });

  it("throws nothing but H2ConnectionError for random input", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }), (blocks) => {
        const decoder = new HpackDecoder(HEADER_TABLE_BYTES);
        for (const block of blocks) {
          try {
            decoder.decode(block, () => undefined);
          } catch (error) {
            expect(error).toBeInstanceOf(H2ConnectionError);
            return;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
