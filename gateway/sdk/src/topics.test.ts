import { describe, expect, it } from "vitest";
import { isTopicName, TOPIC_PATTERN, topicMatches } from "./topics.js";

describe("topics", () => {
  it.each([
    ["message.will_be_posted", "message.will_be_posted", true],
    ["message.*", "message.will_be_posted", true],
    ["message.*", "message", false],
    ["message.*", "messages.x", false],
    ["*", "anything.at.all", true],
    ["a.b", "a.b.c", false],
    ["a.*", "a.", false],
    ["a.*", "a.x", true],
  ])("%s matches %s: %s", (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });

  it("accepts only concrete topic names from applications", () => {
    expect(isTopicName("user.joined_channel")).toBe(true);
    expect(isTopicName("user.*")).toBe(false);
    expect(isTopicName("")).toBe(false);
    expect(isTopicName("Upper.Case")).toBe(false);
    expect(isTopicName("x".repeat(128))).toBe(true);
    expect(isTopicName("x".repeat(129))).toBe(false);
    expect(isTopicName("a..b")).toBe(true); // the contract's character class, as the public API and the SDKs check it
  });

  it("accepts the contract's subscription patterns and nothing else", () => {
    for (const ok of ["*", "message.will_be_posted", "message.*", `${"x".repeat(126)}.*`, "x".repeat(128)])
      expect(TOPIC_PATTERN.test(ok), ok).toBe(true);
    for (const bad of [
      "",
      "**",
      "message.**",
      "Message.x",
      "a b",
      `${"x".repeat(127)}.*`,
      "x".repeat(129),
      "*.message",
    ])
      expect(TOPIC_PATTERN.test(bad), bad).toBe(false);
  });
});
