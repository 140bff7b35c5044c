import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLineSplitter } from "./line-splitter.js";

function split(chunks: Uint8Array[], max?: number): Array<[string, boolean]> {
  const lines: Array<[string, boolean]> = [];
  const splitter = createLineSplitter((line, partial) => lines.push([line, partial]), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe("createLineSplitter", () => {
  it("yields the non-empty lines whatever the chunking (property)", () => {
    const text = fc.array(fc.stringMatching(/^[a-z ]{0,20}$/), { maxLength: 20 });
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""));
        const chunks: Uint8Array[] = [];
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          chunks.push(bytes.subarray(at, at + size));
          at += size;
        }
        expect(split(chunks).map(([line]) => line)).toEqual(lines.filter((l) => l !== ""));
      }),
    );
  });

  it("cuts lines longer than the limit into flagged pieces and never holds more", () => {
    const lines = split([Buffer.from("abcdefghij\nxy\n")], 4);
    expect(lines).toEqual([
      ["abcd", true],
      ["efgh", true],
      ["ij", true],
      ["xy", false],
    ]);
  });

  it("flushes an unterminated last line at the end and strips CR", () => {
    expect(split([Buffer.from("one\r\ntwo")])).toEqual([
      ["one", false],
      ["two", false],
    ]);
  });
});
