import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMMAND_NAME_PATTERN,
  TOPIC_NAME_PATTERN,
  isCommandName,
  isEventName,
  isPluginId,
  PLUGIN_ID_PATTERN,
  REJECT_CODE_PATTERN,
} from "./names.js";

const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((list) => list.join(""));
const lower = "abcdefghijklmnopqrstuvwxyz0123456789";

describe("contract names", () => {
  it("accepts every command name of [a-z0-9_-]{1,64}", () => {
    fc.assert(fc.property(chars(`${lower}_-`, 1, 64), (name) => isCommandName(name)));
  });

  it("rejects command names with a character outside the class, empty or over 64", () => {
    const bad = fc.oneof(
      fc
        .tuple(
          chars(`${lower}_-`, 0, 30),
          fc.constantFrom("/", ".", "A", " ", "é", "\n", ":"),
          chars(`${lower}_-`, 0, 30),
        )
        .map((parts) => parts.join("")),
      chars(`${lower}_-`, 65, 100),
      fc.constant(""),
    );
    fc.assert(fc.property(bad, (name) => !isCommandName(name)));
  });

  it("accepts plugin ids of [a-zA-Z0-9_.-]{3,190} and nothing shorter, longer or wider", () => {
    const alphabet = `${lower}ABCDEFGHIJKLMNOPQRSTUVWXYZ_.-`;
    fc.assert(fc.property(chars(alphabet, 3, 190), (id) => isPluginId(id)));
    fc.assert(fc.property(fc.oneof(chars(alphabet, 0, 2), chars(alphabet, 191, 220)), (id) => !isPluginId(id)));
    fc.assert(
      fc.property(chars(alphabet, 1, 20), fc.constantFrom("/", " ", "@", "ü"), (id, c) => !isPluginId(id + c + "abc")),
    );
  });

  it("event names and topic names are one rule, [a-z0-9_.-]{1,128}", () => {
    fc.assert(fc.property(chars(`${lower}_.-`, 1, 128), (name) => isEventName(name)));
    fc.assert(
      fc.property(
        fc.oneof(chars(`${lower}_.-`, 129, 160), fc.constant(""), fc.constant("a*"), fc.constant("A.b")),
        (name) => !isEventName(name),
      ),
    );
  });

  it("reject codes may be empty, at most 64 characters", () => {
    fc.assert(fc.property(chars(`${lower}_.-`, 0, 64), (code) => REJECT_CODE_PATTERN.test(code)));
    expect(REJECT_CODE_PATTERN.test("x".repeat(65))).toBe(false);
  });

  it("patterns are anchored and never match across a newline", () => {
    for (const pattern of [COMMAND_NAME_PATTERN, PLUGIN_ID_PATTERN, TOPIC_NAME_PATTERN, REJECT_CODE_PATTERN]) {
      expect(pattern.test("abc\nabc"), String(pattern)).toBe(false);
      expect(pattern.flags, String(pattern)).toBe("");
    }
  });
});
