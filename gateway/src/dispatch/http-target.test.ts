import { describe, expect, it } from "vitest";
import { pathPrefixMatches } from "./http-target.js";

describe("routes", () => {
  it("matches HTTP path prefixes at slash boundaries", () => {
    expect(pathPrefixMatches("/count", "/count")).toBe(true);
    expect(pathPrefixMatches("/count", "/count/x")).toBe(true);
    expect(pathPrefixMatches("/count", "/counter")).toBe(false);
    expect(pathPrefixMatches("/", "/anything")).toBe(true);
  });
});
