import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { settingSchema, validateConfiguration, type Setting } from "./settings.js";

const settings: Setting[] = [
  { key: "enabled", type: "bool", default: true, required: false },
  { key: "limit", type: "number", min: 1, max: 10, required: true },
  { key: "mode", type: "select", options: [{ value: "fast" }, { value: "safe" }], default: "safe", required: false },
  { key: "words", type: "list", required: false },
  { key: "token", type: "secret", required: false },
].map((s) => settingSchema.parse(s));

describe("validateConfiguration", () => {
  it("fills in defaults and accepts valid values", () => {
    expect(validateConfiguration(settings, { limit: 3, words: ["a"] })).toEqual({ enabled: true, limit: 3, mode: "safe", words: ["a"] });
  });

  it.each([
    [{ limit: 3, colour: "red" }, /unknown setting "colour"/],
    [{}, /setting "limit" is required/],
    [{ limit: 11 }, /setting "limit" must be at most 10/],
    [{ limit: 3, mode: "turbo" }, /setting "mode" must be one of "fast", "safe"/],
    [{ limit: 3, enabled: "yes" }, /setting "enabled" must be true or false/],
    [{ limit: 3, words: [1] }, /setting "words" must be a list of strings/],
  ])("rejects %j naming the setting", (config, message) => {
    expect(() => validateConfiguration(settings, config)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(message) }));
  });
});
