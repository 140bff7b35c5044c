// The example plugins, run with plain `node` through the gateway's host core, plaintext and
// AutoMTLS: every hook, and every GatewayAPI call arriving at a real (in-memory) GatewayAPI.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { eventually } from "../log-capture.js";
import { ensureSdkBuilt, sdkPaths, startActivated, stopAll } from "./harness.js";

beforeAll(ensureSdkBuilt);
afterAll(stopAll);

describe.each([
  ["plaintext", false],
  ["AutoMTLS", true],
])("examples over %s", (_mode, autoMtls) => {
  it("linkpreview: describes itself, modifies, rejects, follows configuration changes", async () => {
    const { plugin, rpc, api, description, activation } = await startActivated(sdkPaths.example("linkpreview"), {
      autoMtls,
      config: { blocked_domains: ["bad.example"], max_links: 2 },
    });
    expect(plugin.mtls).toBe(autoMtls);
    expect(activation.error).toBeUndefined();
    expect(description).toMatchObject({
      pluginId: "com.polyplug.example.linkpreview",
      version: "0.1.0",
      sdk: { name: "polyplug-ts" },
      interceptTopics: ["message.will_be_posted", "message.will_be_updated"],
    });
    expect([...description.implementedHooks].sort()).toEqual([
      Hook.ACTIVATE,
      Hook.DEACTIVATE,
      Hook.CONFIGURATION_CHANGED,
      Hook.INTERCEPT,
    ]);

    const plain = await rpc.intercept({ topic: "message.will_be_posted", payload: { message: "no links" } });
    expect(plain.outcome.case).toBe("proceed");

    const modified = await rpc.intercept({
      topic: "message.will_be_posted",
      payload: { message: "read https://good.example/a?utm_source=x&id=3", channel_id: "c1" },
    });
    expect(modified.outcome).toMatchObject({
      case: "modify",
      value: {
        payload: {
          message: "read https://good.example/a?id=3",
          channel_id: "c1",
          link_previews: [{ url: "https://good.example/a?id=3", domain: "good.example", path: "/a" }],
        },
      },
    });

    const blocked = await rpc.intercept({
      context: { requestId: "r-9", metadata: { user_id: "u1" } },
      topic: "message.will_be_updated",
      payload: { message: "https://x.bad.example/" },
    });
    expect(blocked.outcome).toMatchObject({
      case: "reject",
      value: { code: "blocked_domain", reason: "Links to bad.example are not allowed here." },
    });
    await eventually(
      () => api.logs.some((log) => log.message === "rejected a link to a blocked domain" && log.requestId === "r-9"),
      5000,
      "log record",
    );

    const tooMany = await rpc.intercept({
      topic: "message.will_be_posted",
      payload: { message: "http://a.example http://b.example http://c.example" },
    });
    expect(tooMany.outcome).toMatchObject({ case: "reject", value: { code: "too_many_links" } });

    expect(
      (await rpc.configurationChanged({ context: { originPluginId: "x" }, configuration: { max_links: 5 } })).error,
    ).toBeUndefined();
    const allowed = await rpc.intercept({
      topic: "message.will_be_posted",
      payload: { message: "http://a.example http://b.example http://c.example" },
    });
    expect(allowed.outcome.case).toBe("modify");

    expect((await rpc.deactivate({})).error).toBeUndefined();
  });

  it("auditlog: notify records with CAS and TTL, publishes, commands use KV/config/log, intercept modifies, HTTP reads", async () => {
    const { rpc, api, description, activation } = await startActivated(sdkPaths.example("auditlog"), {
      autoMtls,
      config: { retention_seconds: 3600 },
    });
    expect(activation.error).toBeUndefined();
    expect(description.notifyTopics).toEqual(["user.joined_channel", "message.*"]);
    expect(description.commands).toMatchObject([
      { name: "audit", usage: "count | recent [n] | clear | retention <seconds>" },
    ]);
    expect(description.httpRoutes.map((r) => `${r.method} ${r.pathPrefix}`)).toEqual([
      "GET /events",
      "GET /count",
      "POST /echo",
    ]);
    expect(api.calls.getConfig).toBe(1);
    expect(api.logs[0]).toMatchObject({
      level: "info",
      message: "auditlog activated",
      fields: { retention_seconds: 3600, gateway: "0.1.0-test" },
      requestId: "activate-1",
    });

    // Concurrent notifications: the CAS loop hands out distinct sequence numbers.
    const results = await Promise.all(
      ["user.joined_channel", "message.has_been_posted", "message.has_been_updated"].map((topic, i) =>
        rpc.notify({
          context: { requestId: `n-${i}`, metadata: { user_id: `u${i}` } },
          topic,
          payload: { channel_id: "town-square", n: i },
        }),
      ),
    );
    for (const result of results) expect(result.error).toBeUndefined();
    expect(new TextDecoder().decode(api.kv.get("counter")?.value)).toBe("3");
    const eventKeys = [...api.kv.keys()].filter((key) => key.startsWith("event/")).sort();
    expect(eventKeys).toEqual(["event/000000000001", "event/000000000002", "event/000000000003"]);
    expect(api.kv.get("event/000000000001")?.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    expect(api.events).toHaveLength(3);
    expect(api.events[0]).toMatchObject({
      event: "audit.recorded",
      audience: { matchLabels: { channel_id: "town-square" } },
    });

    expect((await rpc.executeCommand({ command: "audit", args: ["count"], raw: "/audit count" })).text).toBe(
      "3 events recorded",
    );
    const recent = await rpc.executeCommand({ command: "audit", args: ["recent", "2"], raw: "/audit recent 2" });
    expect(recent.data).toMatchObject({ events: [{ seq: 2 }, { seq: 3 }] });
    const bad = await rpc.executeCommand({ command: "audit", args: ["frobnicate"], raw: "/audit frobnicate" });
    expect(bad.error).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    expect(bad.error?.message).toContain("unknown action");

    const intercepted = await rpc.intercept({
      context: { requestId: "i-1" },
      topic: "message.will_be_posted",
      payload: { message: "hi" },
    });
    expect(intercepted.outcome).toMatchObject({
      case: "modify",
      value: { payload: { message: "hi", audit: { request_id: "i-1", audited: true } } },
    });

    const retention = await rpc.executeCommand({
      command: "audit",
      args: ["retention", "60"],
      raw: "/audit retention 60",
    });
    expect(retention.text).toBe("retention set to 60 s");
    expect(api.savedConfigs).toEqual([{ retention_seconds: 60 }]);
    expect(
      (
        await rpc.configurationChanged({
          context: { originPluginId: "com.polyplug.example.auditlog" },
          configuration: { retention_seconds: 60 },
        })
      ).error,
    ).toBeUndefined();
    expect(
      api.logs.some(
        (log) =>
          log.message === "auditlog configuration changed" &&
          log.fields.origin_plugin_id === "com.polyplug.example.auditlog",
      ),
    ).toBe(true);

    const cleared = await rpc.executeCommand({
      context: { metadata: { user_id: "admin" } },
      command: "audit",
      args: ["clear"],
      raw: "/audit clear",
    });
    expect(cleared.text).toBe("removed 3 events");
    expect(api.kv.size).toBe(0);
    expect(api.logs.some((log) => log.level === "warn" && log.message === "audit log cleared")).toBe(true);
    for (const method of ["kvGet", "kvSet", "kvDelete", "kvList", "log", "publishEvent", "getConfig", "saveConfig"])
      expect(api.calls[method], method).toBeGreaterThan(0);

    expect((await rpc.deactivate({})).error).toBeUndefined();
    expect(api.logs.some((log) => log.message === "auditlog deactivating")).toBe(true);
  });
});
