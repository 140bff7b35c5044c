import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { parseYamlStrict } from "./yaml-text.js";

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off("warning", onWarning);
  warnings.length = 0;
});

describe("parseYamlStrict", () => {
  it("parses YAML, merge keys only when asked", () => {
    expect(parseYamlStrict("a: 1\nb: [x, y]\n")).toEqual({ a: 1, b: ["x", "y"] });
    expect(parseYamlStrict("base: &b {x: 1}\nc:\n  <<: *b\n", { merge: true })).toEqual({
      base: { x: 1 },
      c: { x: 1 },
    });
    expect(parseYamlStrict("")).toBeNull();
  });

  it("turns the yaml package's warnings (e.g. an unknown % directive) into errors instead of printing YAMLWarning", async () => {
    process.on("warning", onWarning);
    expect(() => parseYamlStrict("%nope\n---\na: 1\n")).toThrow(/Unknown directive/);
    expect(() => parseYamlStrict("a: [1\n")).toThrow(/at line \d+, column \d+$/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });

  it("never prints a warning on arbitrary text (the conformance suite's fast-check case printed YAMLWarning)", async () => {
    process.on("warning", onWarning);
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseYamlStrict(text);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
