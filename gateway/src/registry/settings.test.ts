import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { settingSchema, validateConfiguration, type Setting } from "./settings.js";

const settings: Setting[] = [
  { key: "enabled", type: "bool", default: true, required: false },
  { key: "limit", type: "number", min: 1, max: 10, required: true },
  { key: "mode", type: "select", options: [{ value: "fast" }, { value: "safe" }], default: "safe", required: false },
  { key: "words", type: "list", required: false },
  { key: "token", type: "secret", required: false },
  { key: "count", type: "number", integer: true, required: false },
  { key: "tags", type: "list", required: true, default: ["x"] },
].map((s) => settingSchema.parse(s));

describe("validateConfiguration", () => {
  it("fills in defaults and accepts valid values", () => {
    expect(validateConfiguration(settings, { limit: 3, words: ["a"] })).toEqual({
      enabled: true,
      limit: 3,
      mode: "safe",
      words: ["a"],
      tags: ["x"],
    });
  });

  it("takes whole numbers for an integer setting and an empty list for an optional list", () => {
    expect(validateConfiguration(settings, { limit: 2.5, count: 4, words: [] })).toMatchObject({
      limit: 2.5,
      count: 4,
      words: [],
    });
  });

  it("refuses integer on a non-number setting", () => {
    expect(() => settingSchema.parse({ key: "x", type: "text", integer: true })).toThrow(
      /only a number setting can be an integer/,
    );
  });

  it.each([
    [{ limit: 3, colour: "red" }, /unknown setting "colour"/],
    [{}, /setting "limit" is required/],
    [{ limit: 11 }, /setting "limit" must be at most 10/],
    [{ limit: 3, mode: "turbo" }, /setting "mode" must be one of "fast", "safe"/],
    [{ limit: 3, enabled: "yes" }, /setting "enabled" must be true or false/],
    [{ limit: 3, words: [1] }, /setting "words" must be a list of strings/],
    [{ limit: 3, count: 2.5 }, /setting "count" must be a whole number, got 2.5/],
    [{ limit: 3, tags: [] }, /setting "tags" is required/],
  ])("rejects %j naming the setting", (config, message) => {
    expect(() => validateConfiguration(settings, config)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(message) }),
    );
  });
});
