import { describe, expect, it } from "vitest";
import { formatCommandLine, parseCommandLine } from "../../src/surfaces/command-line.js";

describe("parseCommandLine", () => {
  it.each([
    ["/members town-square", { command: "members", args: ["town-square"] }],
    ["members   a  b ", { command: "members", args: ["a", "b"] }],
    ['/remind me "in 5 minutes"', { command: "remind", args: ["me", "in 5 minutes"] }],
    ['/say "a \\"quoted\\" word" ""', { command: "say", args: ['a "quoted" word', ""] }],
    ['/path "C:\\\\dir"', { command: "path", args: ["C:\\dir"] }],
    ["/x a\tb\nc", { command: "x", args: ["a", "b", "c"] }],
    ['/glue pre"fix and"post', { command: "glue", args: ["prefix andpost"] }],
  ])("splits %j", (line, expected) => {
    expect(parseCommandLine(line)).toEqual(expected);
  });

  it.each([
    ["", "empty command line"],
    ["/", "empty command line"],
    ['/a "open', "unterminated double quote"],
    ["/Members", "command name must match"],
    [`/${"a".repeat(65)}`, "command name must match"],
  ])("refuses %j", (line, error) => {
    const result = parseCommandLine(line);
    expect("error" in result && result.error).toMatch(error);
  });

  it("round-trips formatCommandLine", () => {
    const args = ["plain", "two words", 'a "q"', "back\\slash", ""];
    const line = formatCommandLine("cmd", args);
    expect(line.startsWith("/cmd plain ")).toBe(true);
    expect(parseCommandLine(line)).toEqual({ command: "cmd", args });
  });
});
