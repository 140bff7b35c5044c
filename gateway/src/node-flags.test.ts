import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeFlags, operatorGaveNodeFlag, splitNodeOptions, type NodeFlag } from "./node-flags.js";

/** A flag name as Node spells it: `--words-with-dashes` or a short `-x`. */
const flagName = fc.oneof(
  fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }).map((words) => `--${words.join("-")}`),
  fc.stringMatching(/^-[a-zA-Z]$/),
);
/** A value of a flag: anything but a leading `-` (a word starting with `-` is a flag). */
const flagValue = fc.string({ maxLength: 12 }).filter((value) => !value.startsWith("-"));
const flag: fc.Arbitrary<NodeFlag> = fc.record({ name: flagName, value: fc.option(flagValue, { nil: undefined }) });

/** How an operator may write one flag: `_` for any `-` inside the name, `=value` or a separate word. */
function spellings(flags: readonly NodeFlag[]): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      ...flags.map((one) =>
        fc.record({
          underscores: fc.array(fc.boolean(), { minLength: one.name.length, maxLength: one.name.length }),
          separate: fc.boolean(),
        }),
      ),
    )
    .map((choices) =>
      flags.flatMap((one, i) => {
        const { underscores, separate } = choices[i] as { underscores: boolean[]; separate: boolean };
        const dashes = (/^-+/.exec(one.name)?.[0] ?? "").length;
        const name = [...one.name].map((c, at) => (at >= dashes && c === "-" && underscores[at] ? "_" : c)).join("");
        if (one.value === undefined) return [name];
        // `--flag value` only where the value is a word of its own (not empty).
        return separate && one.value !== "" ? [name, one.value] : [`${name}=${one.value}`];
      }),
    );
}

/** `words` as an operator writes them in NODE_OPTIONS: quoted (and escaped) where needed. */
function asNodeOptions(words: readonly string[]): string {
  return words
    .map((word) => (/^[^\s"\\]+$/.test(word) ? word : `"${word.replaceAll(/["\\]/g, (c) => `\\${c}`)}"`))
    .join(" ");
}

const flagsAndSpelling = fc
  .array(flag, { maxLength: 6 })
  .chain((flags) => spellings(flags).map((words) => ({ flags, words })));

describe("nodeFlags", () => {
  it("reads back every flag from execArgv, however it was spelled", () => {
    fc.assert(
      fc.property(flagsAndSpelling, ({ flags, words }) => {
        expect(nodeFlags(words, "")).toEqual(flags);
      }),
    );
  });

  it("reads NODE_OPTIONS like execArgv, quoted values included, and puts its flags first", () => {
    fc.assert(
      fc.property(flagsAndSpelling, flagsAndSpelling, (fromEnv, fromArgv) => {
        expect(splitNodeOptions(asNodeOptions(fromEnv.words))).toEqual(fromEnv.words.filter((word) => word !== ""));
        expect(nodeFlags(fromArgv.words, asNodeOptions(fromEnv.words))).toEqual([...fromEnv.flags, ...fromArgv.flags]);
      }),
    );
  });

  it("never throws on any NODE_OPTIONS text or argv", () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.string(), (argv, text) => {
        for (const { name } of nodeFlags(argv, text)) expect(name.startsWith("-")).toBe(true);
      }),
    );
  });

  it.each([
    [[], "", []],
    [["--max-semi-space-size=16"], "", [{ name: "--max-semi-space-size", value: "16" }]],
    [["--max_semi_space_size", "32"], "", [{ name: "--max-semi-space-size", value: "32" }]],
    [[], "--expose_gc", [{ name: "--expose-gc", value: undefined }]],
    [
      ["--expose-gc-as=collect"],
      "--max-old-space-size=512  --semi-space-growth-factor=2",
      [
        { name: "--max-old-space-size", value: "512" },
        { name: "--semi-space-growth-factor", value: "2" },
        { name: "--expose-gc-as", value: "collect" },
      ],
    ],
    [
      [],
      '--require "./a b/c.js" --title "say \\"hi\\""',
      [
        { name: "--require", value: "./a b/c.js" },
        { name: "--title", value: 'say "hi"' },
      ],
    ],
    // A quoted value is not a flag, whatever it holds.
    [[], '--title "x --max-semi-space-size=1"', [{ name: "--title", value: "x --max-semi-space-size=1" }]],
    [
      ["-r", "./hook.js", "--inspect"],
      "",
      [
        { name: "-r", value: "./hook.js" },
        { name: "--inspect", value: undefined },
      ],
    ],
  ] as const)("%j with NODE_OPTIONS %j → %j", (argv, nodeOptions, expected) => {
    expect(nodeFlags(argv, nodeOptions)).toEqual(expected);
  });
});

describe("operatorGaveNodeFlag", () => {
  it("matches whole names in either spelling, never a prefix or a value", () => {
    const gc = ["--expose-gc"];
    expect(operatorGaveNodeFlag(gc, ["--expose_gc"], "")).toBe(true);
    expect(operatorGaveNodeFlag(gc, [], "--max-old-space-size=64 --expose-gc")).toBe(true);
    expect(operatorGaveNodeFlag(gc, ["--expose-gc-as=collect"], "")).toBe(false);
    // A value never starts with `-` (Node refuses `--title --expose-gc`): it is a flag of its own.
    expect(operatorGaveNodeFlag(gc, ["--title", "--expose-gc"], "")).toBe(true);
    expect(operatorGaveNodeFlag(gc, ["--title", "expose-gc"], "")).toBe(false);
    expect(operatorGaveNodeFlag(gc, [], "")).toBe(false);
  });
});
