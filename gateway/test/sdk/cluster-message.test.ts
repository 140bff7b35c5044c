// PublishClusterMessage and onClusterMessage through the TypeScript SDK, over a real go-plugin channel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { ensureSdkBuilt, sdkPaths, startActivated, stopAll } from "./harness.js";

let session: Awaited<ReturnType<typeof startActivated>>;

beforeAll(async () => {
  ensureSdkBuilt();
  session = await startActivated(sdkPaths.fixture("cluster-plugin.mjs"));
});
afterAll(stopAll);

describe("cluster messages", () => {
  it("declares HOOK_CLUSTER_MESSAGE when onClusterMessage is defined", () => {
    expect(session.description.implementedHooks).toContain(Hook.CLUSTER_MESSAGE);
  });

  it("api.publishClusterMessage reaches the gateway", async () => {
    const answer = await session.rpc.intercept({
      context: { requestId: "send" },
      topic: "test.send",
      payload: { n: 1 },
    });
    expect(answer.outcome.case).toBe("modify");
    expect(session.api.clusterMessages).toEqual([{ topic: "ping", payload: { n: 1 } }]);
  });

  it("onClusterMessage runs with the topic, payload and sending node", async () => {
    const answer = await session.rpc.onClusterMessage({
      context: { requestId: "got" },
      topic: "ping",
      payload: { n: 2 },
      fromNodeId: "node-2",
    });
    expect(answer.error).toBeUndefined();
    expect(session.api.events.at(-1)).toMatchObject({
      event: "received",
      payload: { topic: "ping", from: "node-2", payload: { n: 2 } },
    });
  });
});
