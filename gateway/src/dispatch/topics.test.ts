import { describe, expect, it } from "vitest";
import { pathPrefixMatches } from "./http-target.js";
import { isTopicName, topicMatches } from "./topics.js";

describe("topics", () => {
  it.each([
    ["message.will_be_posted", "message.will_be_posted", true],
    ["message.*", "message.will_be_posted", true],
    ["message.*", "message", false],
    ["message.*", "messages.x", false],
    ["*", "anything.at.all", true],
    ["a.b", "a.b.c", false],
  ])("%s matches %s: %s", (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });

  it("accepts only concrete topic names from applications", () => {
    expect(isTopicName("user.joined_channel")).toBe(true);
    expect(isTopicName("user.*")).toBe(false);
    expect(isTopicName("")).toBe(false);
    expect(isTopicName("Upper.Case")).toBe(false);
  });
});

describe("routes", () => {
  it("matches HTTP path prefixes at slash boundaries", () => {
    expect(pathPrefixMatches("/count", "/count")).toBe(true);
    expect(pathPrefixMatches("/count", "/count/x")).toBe(true);
    expect(pathPrefixMatches("/count", "/counter")).toBe(false);
    expect(pathPrefixMatches("/", "/anything")).toBe(true);
  });
});
