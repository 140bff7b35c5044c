// The SDK's view of the configuration (`plugin.config`): a configuration the plugin rejects in
// onConfigurationChanged must leave the previous one in force.
import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { ensureSdkBuilt, sdkPaths, startActivated, stopAll } from "./harness.js";

let session: Awaited<ReturnType<typeof startActivated>>;

async function reported(): Promise<JsonObject> {
  const response = await session.rpc.intercept({ context: { requestId: "config" }, topic: "test.config", payload: {} });
  if (response.outcome.case !== "modify") throw new Error(`test.config answered ${JSON.stringify(response)}`);
  return response.outcome.value.payload ?? {};
}

beforeAll(async () => {
  ensureSdkBuilt();
  session = await startActivated(sdkPaths.fixture("config-plugin.mjs"), { config: { level: 1 } });
});
afterAll(stopAll);

describe("plugin.config", () => {
  it("is the Activate configuration, then each accepted one", async () => {
    expect(session.activation.error).toBeUndefined();
    expect((await reported()).config).toEqual({ level: 1 });
    const accepted = await session.rpc.configurationChanged({
      context: { requestId: "c1" },
      configuration: { level: 2 },
    });
    expect(accepted.error).toBeUndefined();
    expect(await reported()).toEqual({ config: { level: 2 }, seen_during_handler: { level: 1 } });
  });

  it("keeps the previous configuration when the handler rejects the new one", async () => {
    const rejected = await session.rpc.configurationChanged({
      context: { requestId: "c2" },
      configuration: { level: 3, reject: true },
    });
    expect(rejected.error).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: "reject is true" });
    expect((await reported()).config).toEqual({ level: 2 });
  });
});
