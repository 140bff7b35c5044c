// The Admin API sets the operator's fail mode (SetFailMode) and GetStatus/ListPlugins show
// it, with where it came from and which topics a down fail-closed plugin is blocking.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, PluginState } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { FailMode } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import { eventually } from "../log-capture.js";
import { startAdminFixture, type AdminFixture } from "./admin-harness.js";

let fixture: AdminFixture;
beforeAll(async () => {
  fixture = await startAdminFixture();
});
afterAll(async () => {
  await fixture.close();
});

function admin() {
  const transport = createConnectTransport({
    baseUrl: fixture.admin.url,
    httpVersion: "1.1",
    interceptors: [
      (next) => (request) => {
        request.header.set("authorization", `Bearer ${fixture.token.token}`);
        return next(request);
      },
    ],
  });
  return createClient(Admin, transport);
}

describe("Admin SetFailMode", () => {
  it("sets, shows and removes an override; a stopped fail-closed plugin shows the topics it blocks", async () => {
    const client = admin();
    const set = await client.setFailMode({ pluginId: "p.beta", topic: "test.*", mode: FailMode.CLOSED });
    expect(set.plugin?.failModes.map((f) => ({ ...f }))).toEqual([
      expect.objectContaining({ topic: "test.*", mode: FailMode.CLOSED, source: "admin" }),
    ]);
    const verdict = await fixture.gateway.dispatcher.intercept("test.x", { script: { "p.beta": "fail" } });
    expect(verdict.rejection).toMatchObject({ pluginId: "p.beta", failure: true });

    // Killed, the plugin is not serving until it restarts: its topic is listed as blocked meanwhile.
    const pid = fixture.gateway.plugin("p.beta").pid as number;
    process.kill(pid, "SIGKILL");
    await eventually(() => fixture.gateway.plugin("p.beta").pid !== pid, 15_000, "noticed the kill");
    const status = await client.getStatus({});
    const beta = status.plugins.find((p) => p.id === "p.beta");
    if (beta?.state !== PluginState.ACTIVE) expect(beta?.blockingTopics).toEqual(["test.*"]);
    await eventually(() => fixture.gateway.plugin("p.beta").state === "active", 15_000, "restarted");
    expect((await client.listPlugins({})).plugins.find((p) => p.id === "p.beta")?.blockingTopics).toEqual([]);

    const removed = await client.setFailMode({ pluginId: "p.beta", topic: "test.*", mode: FailMode.UNSPECIFIED });
    expect(removed.plugin?.failModes[0]).toMatchObject({ mode: FailMode.OPEN, source: "manifest" });
  }, 120_000);

  it("refuses an unknown plugin and a malformed topic", async () => {
    const client = admin();
    await expect(client.setFailMode({ pluginId: "p.nobody", topic: "*", mode: FailMode.CLOSED })).rejects.toThrow(
      /no plugin with id/,
    );
    await expect(
      client.setFailMode({ pluginId: "p.alpha", topic: "BAD TOPIC", mode: FailMode.CLOSED }),
    ).rejects.toThrow(/not a topic/);
  });

  it("is set from the CLI: polyplug plugin fail-mode <id> closed --topic T", async () => {
    const set = await fixture.cli(["plugin", "fail-mode", "p.alpha", "closed", "--topic", "test.*"]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/test\.\*: closed \(from admin\)/);
    expect(fixture.gateway.plugin("p.alpha").failModes).toEqual([{ topic: "test.*", mode: "closed", source: "admin" }]);
    const bad = await fixture.cli(["plugin", "fail-mode", "p.alpha", "shut"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/mode must be open, closed or unset/);
    expect((await fixture.cli(["plugin", "fail-mode", "p.alpha", "unset", "--topic", "test.*"])).code).toBe(0);
    expect(fixture.gateway.plugin("p.alpha").failModes[0]?.source).toBe("manifest");
  }, 120_000);
});
