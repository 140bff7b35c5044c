import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { toGrpcMethodDefinition } from "@polyplug/sdk/internal/rpc/grpc-service.js";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { dataDir, scriptedPluginsDir } from "../runtime/scripted-plugins.js";
import { bytes, text } from "../store/temp-store.js";
import { servePlugin, storeWithClock } from "./harness.js";

// Every plugin's broker server registers the same GatewayAPI method definitions (one per
// process, issue 17 memory): a plugin's bad call must still touch only that plugin.
describe("GatewayAPI served to several plugins from one shared service definition", () => {
  it("hands every server the same definition objects", () => {
    for (const method of GatewayAPI.methods)
      expect(toGrpcMethodDefinition(method)).toBe(toGrpcMethodDefinition(method));
  });

  it("answers one plugin's bad calls with their own status while the others' calls, run at the same time, succeed", async () => {
    const { store } = storeWithClock();
    const [alpha, beta, gamma] = await Promise.all([
      servePlugin("alpha", store),
      servePlugin("beta", store),
      servePlugin("gamma", store, { permissions: ["log"] }),
    ]);
    if (!alpha || !beta || !gamma) throw new Error("three plugins expected");
    const [empty, tooBig, denied, ...good] = await Promise.allSettled([
      alpha.client.kvSet({ key: "", value: bytes("x") }),
      alpha.client.kvSet({ key: "big", value: new Uint8Array(LIMITS.kvValueBytes + 1) }),
      gamma.client.kvSet({ key: "k", value: bytes("gamma's") }),
      ...Array.from({ length: 20 }, (_, i) => beta.client.kvSet({ key: `k${i}`, value: bytes(`beta ${i}`) })),
      alpha.client.kvSet({ key: "k", value: bytes("alpha's") }),
    ]);
    expect(empty).toMatchObject({ status: "rejected", reason: { details: { grpcStatus: "INVALID_ARGUMENT" } } });
    expect(tooBig).toMatchObject({ status: "rejected", reason: { details: { grpcStatus: "RESOURCE_EXHAUSTED" } } });
    expect(denied).toMatchObject({ status: "rejected", reason: { details: { grpcStatus: "PERMISSION_DENIED" } } });
    for (const result of good) expect(result).toMatchObject({ status: "fulfilled", value: { applied: true } });
    // Nothing of the bad calls was stored; each plugin's data is in its own namespace.
    expect((await beta.client.kvList({})).keys).toHaveLength(20);
    expect(text((await alpha.client.kvGet({ key: "k" })).value)).toBe("alpha's");
    expect(await store.kvGet("alpha", "big")).toBeUndefined();
    expect(await store.kvGet("gamma", "k")).toBeUndefined();
    // The refused plugin's connection still serves what it was granted.
    await gamma.client.log({ message: "still connected" });
  });
});

describe("GatewayAPI through the broker of several real plugins", () => {
  const gateways: Gateway[] = [];
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
  });

  it("serves every plugin; one refused KV call leaves the other plugins' counters exact", async () => {
    const gateway = await createGateway({
      pluginsDirs: [
        scriptedPluginsDir([{ id: "p.a" }, { id: "p.b" }, { id: "p.c", api: ["log", "config"] }, { id: "p.d" }]),
      ],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      policy: { healthIntervalMs: 60_000 },
    });
    gateways.push(gateway);
    const receipts = Array.from({ length: 10 }, () => gateway.dispatcher.notify("test.shared", { n: 1 }));
    expect(receipts[0]?.queuedFor).toEqual(["p.a", "p.b", "p.c", "p.d"]);
    await gateway.dispatcher.drained();
    const count = async (pluginId: string) =>
      Buffer.from((await gateway.store.kvGet(pluginId, "notified:test.shared"))?.value ?? []).toString();
    expect(await count("p.a")).toBe("10");
    expect(await count("p.b")).toBe("10");
    expect(await count("p.d")).toBe("10");
    expect(await gateway.store.kvGet("p.c", "notified:test.shared")).toBeUndefined();
    expect(gateway.plugins().map((p) => p.state)).toEqual(["active", "active", "active", "active"]);
  });
});
