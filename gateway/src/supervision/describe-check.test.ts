import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DescribeResponseSchema, Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { checkDescription } from "./describe-check.js";

const good = {
  pluginId: "com.example.x",
  version: "1.0.0",
  implementedHooks: [Hook.ACTIVATE, Hook.INTERCEPT, Hook.EXECUTE_COMMAND, Hook.SERVE_HTTP],
  interceptTopics: ["message.*"],
  commands: [{ name: "hello" }],
  httpRoutes: [{ method: "GET", pathPrefix: "/count" }],
};

describe("checkDescription", () => {
  it("accepts a consistent description", () => {
    expect(() => checkDescription(create(DescribeResponseSchema, good), "com.example.x")).not.toThrow();
  });

  it.each([
    [{ pluginId: "other" }, /not the manifest's/],
    [{ interceptTopics: ["Bad Topic"] }, /intercept_topics entry "Bad Topic" breaks its pattern/],
    [{ interceptTopics: ["a.b", "a.b"] }, /lists "a.b" twice/],
    [{ notifyTopics: ["a.b"] }, /lists notify_topics but not HOOK_NOTIFY/],
    [{ commands: [{ name: "Hello!" }] }, /commands entry "Hello!" breaks its pattern/],
    [{ interceptTopics: Array.from({ length: 257 }, (_, i) => `t.${i}`) }, /257 intercept_topics, at most 256/],
  ])("rejects %j", (change, message) => {
    expect(() => checkDescription(create(DescribeResponseSchema, { ...good, ...change }), "com.example.x")).toThrow(
      message,
    );
  });
});
