import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { bytes, text } from "../store/temp-store.js";
import { servePlugin, storeWithClock } from "./harness.js";

describe("GatewayAPI over gRPC: KV", () => {
  it("sets, gets (with expiry), compares-and-sets, deletes and lists", async () => {
    const { store, clock } = storeWithClock();
    const { client } = await servePlugin("alpha", store);
    expect(await client.kvGet({ key: "k" })).toMatchObject({ found: false });
    expect(
      (await client.kvSet({ key: "k", value: bytes("v1"), ttl: create(DurationSchema, { seconds: 2n, nanos: 1 }) }))
        .applied,
    ).toBe(true);
    const got = await client.kvGet({ key: "k" });
    expect(text(got.value)).toBe("v1");
    expect(got.expiresAt && timestampMs(got.expiresAt)).toBe(clock.now + 2001);
    const miss = await client.kvSet({
      key: "k",
      value: bytes("v2"),
      condition: { case: "ifEquals", value: bytes("nope") },
    });
    expect(miss).toMatchObject({ applied: false, currentFound: true });
    expect(text(miss.currentValue)).toBe("v1");
    expect(
      await client.kvSet({ key: "k", value: bytes("v2"), condition: { case: "ifAbsent", value: true } }),
    ).toMatchObject({ applied: false, currentFound: true });
    expect(
      (await client.kvSet({ key: "k", value: bytes("v2"), condition: { case: "ifEquals", value: bytes("v1") } }))
        .applied,
    ).toBe(true);
    expect((await client.kvGet({ key: "k" })).expiresAt).toBeUndefined();
    await client.kvSet({ key: "gone", value: bytes("x"), ttl: create(DurationSchema, { nanos: 1 }) });
    clock.now += 1;
    expect((await client.kvGet({ key: "gone" })).found).toBe(false);
    expect(
      await client.kvSet({ key: "gone", value: bytes("y"), condition: { case: "ifEquals", value: bytes("x") } }),
    ).toMatchObject({ applied: false, currentFound: false });
    expect((await client.kvDelete({ key: "k", ifEquals: bytes("v1") })).deleted).toBe(false);
    expect((await client.kvDelete({ key: "k" })).deleted).toBe(true);
    for (const key of ["b/1", "b/2", "b/3", "c"]) await client.kvSet({ key, value: new Uint8Array() });
    const first = await client.kvList({ prefix: "b/", pageSize: 2 });
    const second = await client.kvList({ prefix: "b/", pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.keys, ...second.keys]).toEqual(["b/1", "b/2", "b/3"]);
    expect(second.nextPageToken).toBe("");
    expect((await client.kvList({})).keys).toEqual(["b/1", "b/2", "b/3", "c"]);
  });

  it("keeps each connection's plugin in its own namespace", async () => {
    const { store } = storeWithClock();
    const alpha = await servePlugin("alpha", store);
    const beta = await servePlugin("beta", store);
    await alpha.client.kvSet({ key: "shared-name", value: bytes("alpha's") });
    expect((await beta.client.kvGet({ key: "shared-name" })).found).toBe(false);
    expect((await beta.client.kvList({})).keys).toEqual([]);
    expect((await beta.client.kvDelete({ key: "shared-name" })).deleted).toBe(false);
    await beta.client.kvSet({ key: "shared-name", value: bytes("beta's") });
    expect(text((await alpha.client.kvGet({ key: "shared-name" })).value)).toBe("alpha's");
    expect(text((await store.kvGet("beta", "shared-name"))?.value)).toBe("beta's");
  });

  it("50 concurrent compare-and-set increments from the client add up exactly", async () => {
    const { store } = storeWithClock();
    const { client } = await servePlugin("alpha", store);
    const increment = async (): Promise<number> => {
      for (let attempt = 0; ; attempt++) {
        const current = await client.kvGet({ key: "n" });
        const next = bytes(String(Number(current.found ? text(current.value) : "0") + 1));
        const condition = current.found
          ? ({ case: "ifEquals", value: current.value } as const)
          : ({ case: "ifAbsent", value: true } as const);
        if ((await client.kvSet({ key: "n", value: next, condition })).applied) return attempt;
      }
    };
    const retries = await Promise.all(Array.from({ length: 50 }, increment));
    expect(text((await client.kvGet({ key: "n" })).value)).toBe("50");
    expect(retries.some((count) => count > 0)).toBe(true);
  });
});

describe("GatewayAPI over gRPC: log, events, config", () => {
  it("logs at the requested level with the plugin's fields, request_id, and reserved keys renamed", async () => {
    const { store } = storeWithClock();
    const { client, logs } = await servePlugin("alpha", store);
    await client.log({
      level: LogLevel.WARN,
      message: "disk low",
      fields: { free: 3, level: "x", msg: "y" },
      requestId: "req-1",
    });
    await client.log({ message: "default level" });
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      level: 40,
      msg: "disk low",
      plugin_id: "alpha",
      request_id: "req-1",
      free: 3,
      "plugin.level": "x",
      "plugin.msg": "y",
    });
    expect(logs[1]).toMatchObject({ level: 30, msg: "default level", plugin_id: "alpha" });
    expect(logs[1]).not.toHaveProperty("request_id");
  });

  it("drops log floods over the rate limit, still answering OK, and reports the count", async () => {
    const { store, clock } = storeWithClock();
    const { client, logs } = await servePlugin("alpha", store, {
      now: () => clock.now,
      logRateLimit: { perSecond: 1, burst: 2 },
    });
    for (let i = 0; i < 5; i++) await client.log({ message: `m${i}` });
    expect(logs.map((record) => record.msg)).toEqual(["m0", "m1"]);
    clock.now += 1000;
    await client.log({ message: "after" });
    expect(logs.slice(2)).toMatchObject([{ level: 40, dropped: 3 }, { msg: "after" }]);
  });

  it("publishes <plugin_id>.<event> with payload and audience", async () => {
    const { store, clock } = storeWithClock();
    const { client, events } = await servePlugin("alpha", store, { now: () => clock.now });
    await client.publishEvent({
      event: "score.updated",
      payload: { score: 3 },
      audience: { clientIds: ["c1"], matchLabels: { channel_id: "x" } },
    });
    await client.publishEvent({ event: "ping" });
    expect(events).toEqual([
      {
        pluginId: "alpha",
        event: "alpha.score.updated",
        payload: { score: 3 },
        audience: { clientIds: ["c1"], omitClientIds: [], matchLabels: { channel_id: "x" } },
        requestId: undefined,
        publishedAt: clock.now,
      },
      {
        pluginId: "alpha",
        event: "alpha.ping",
        payload: {},
        audience: { clientIds: [], omitClientIds: [], matchLabels: {} },
        requestId: undefined,
        publishedAt: clock.now,
      },
    ]);
  });

  it("gets and saves the configuration; validation errors name the field", async () => {
    const { store } = storeWithClock();
    const { client, savedConfigs } = await servePlugin("alpha", store);
    expect((await client.getConfig({})).configuration).toEqual({});
    await client.saveConfig({ configuration: { max: 5, name: "n" } });
    expect((await client.getConfig({})).configuration).toEqual({ max: 5, name: "n" });
    await expect(client.saveConfig({ configuration: { max: "five" } })).rejects.toMatchObject({
      details: { grpcStatus: "INVALID_ARGUMENT" },
      message: expect.stringContaining("max: must be a number"),
    });
    await client.saveConfig({});
    expect(savedConfigs).toEqual([{ max: 5, name: "n" }, {}]);
  });
});

describe("GatewayAPI over gRPC: state", () => {
  it("answers UNAVAILABLE once the store is closed", async () => {
    const { store } = storeWithClock();
    const { client } = await servePlugin("alpha", store);
    await store.close();
    await expect(client.kvSet({ key: "k", value: bytes("v") })).rejects.toMatchObject({
      details: { grpcStatus: "UNAVAILABLE" },
    });
  });
});

describe("GatewayAPI over gRPC: permissions", () => {
  it("refuses every RPC outside the granted capabilities with PERMISSION_DENIED naming the capability and the RPC", async () => {
    const { store } = storeWithClock();
    const { client, events } = await servePlugin("alpha", store, { permissions: ["log", "config"] });
    const denied = (capability: string, rpc: string) => ({
      details: { grpcStatus: "PERMISSION_DENIED" },
      message: expect.stringContaining(
        `plugin alpha has no permission "${capability}" (${rpc}); add it to permissions.api in plugin.json`,
      ),
    });
    await expect(client.kvSet({ key: "k", value: bytes("v") })).rejects.toMatchObject(denied("kv", "KvSet"));
    await expect(client.kvGet({ key: "k" })).rejects.toMatchObject(denied("kv", "KvGet"));
    await expect(client.kvDelete({ key: "k" })).rejects.toMatchObject(denied("kv", "KvDelete"));
    await expect(client.kvList({})).rejects.toMatchObject(denied("kv", "KvList"));
    await expect(client.publishEvent({ event: "x" })).rejects.toMatchObject(denied("events", "PublishEvent"));
    expect(await store.kvGet("alpha", "k")).toBeUndefined();
    expect(events).toEqual([]);
    await client.log({ message: "still allowed" });
    expect((await client.getConfig({})).configuration).toEqual({});
  });

  it("with no capabilities at all, even Log and GetConfig are refused", async () => {
    const { store } = storeWithClock();
    const { client } = await servePlugin("alpha", store, { permissions: [] });
    await expect(client.log({ message: "m" })).rejects.toMatchObject({
      details: { grpcStatus: "PERMISSION_DENIED" },
      message: expect.stringContaining('"log" (Log)'),
    });
    await expect(client.saveConfig({ configuration: {} })).rejects.toMatchObject({
      details: { grpcStatus: "PERMISSION_DENIED" },
      message: expect.stringContaining('"config" (SaveConfig)'),
    });
  });
});
