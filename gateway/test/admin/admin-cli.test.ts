// The Admin API and the `polyplug status|plugin|events` CLI against a real gateway with
// scripted Go plugins: the CLI runs as a child process, as an operator runs it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminFixture, waitForLines, type AdminFixture } from "./admin-harness.js";

let fx: AdminFixture;
beforeAll(async () => {
  fx = await startAdminFixture();
});
afterAll(async () => {
  await fx?.close();
});

interface PluginJson {
  id: string;
  state: string;
  enabled: boolean;
  pid: number;
  settings: Array<{ key: string; type: string }>;
  latency: Array<{ hook: string; calls: string; p50Ms: number }>;
  commands: Array<{ name: string }>;
}

describe("polyplug status and plugin list", () => {
  it("lists plugins with state, Describe facts, settings schema and latency figures", async () => {
    for (let i = 0; i < 5; i++) await fx.gateway.dispatcher.intercept("test.x", {});
    const { code, stdout } = await fx.cli(["plugin", "list", "--json"]);
    expect(code).toBe(0);
    const { plugins } = JSON.parse(stdout) as { plugins: PluginJson[] };
    expect(plugins.map((p) => p.id)).toEqual(["p.alpha", "p.beta"]);
    const alpha = plugins[0];
    expect(alpha).toMatchObject({ state: "PLUGIN_STATE_ACTIVE", enabled: true, commands: [{ name: "cmd-palpha" }] });
    expect(alpha?.pid).toBeGreaterThan(0);
    expect(alpha?.settings.map((s) => [s.key, s.type])).toEqual([
      ["mode", "SETTING_TYPE_SELECT"],
      ["limit", "SETTING_TYPE_NUMBER"],
    ]);
    expect(alpha?.latency).toEqual([expect.objectContaining({ hook: "HOOK_INTERCEPT", calls: "5" })]);
  });

  it("prints a human status with a table and exactly one JSON document with --json", async () => {
    const human = await fx.cli(["status"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Polyplug gateway \d+\.\d+\.\d+/);
    expect(human.stdout).toMatch(/p\.alpha\s+1\.0\.0\s+active\s+yes/);
    const json = await fx.cli(["status", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      publicUrl: fx.gateway.url,
      plugins: [{ id: "p.alpha" }, { id: "p.beta" }],
      brokenPlugins: [],
    });
  });
});

describe("authentication", () => {
  it("refuses a missing token (exit 4) and a wrong one (exit 4), changing nothing", async () => {
    const missing = await fx.cli(["plugin", "disable", "p.beta"], { auth: false });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/cannot read the admin token from .*admin-token/);
    const wrong = await fx.cli(["plugin", "disable", "p.beta", "--token", "0".repeat(64), "--json"]);
    expect(wrong.code).toBe(4);
    expect(JSON.parse(wrong.stdout)).toMatchObject({
      error: { code: "unauthenticated", message: expect.stringContaining("the admin token is wrong") },
    });
    // The gateway does not tell unauthenticated callers where its token file is.
    expect(wrong.stdout).not.toContain(fx.token.file);
    expect(fx.gateway.plugin("p.beta")).toMatchObject({ state: "active", enabled: true });
  });

  it("answers UNAUTHENTICATED to a raw Connect call without the header", async () => {
    const response = await fetch(`${fx.admin.url}/polyplug.v1.Admin/DisablePlugin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pluginId: "p.beta" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "unauthenticated" });
    expect(fx.gateway.plugin("p.beta").state).toBe("active");
  });

  it("exits 3 when no gateway answers", async () => {
    const result = await fx.cli(["status", "--url", "http://127.0.0.1:1"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the gateway's Admin API at http:\/\/127\.0\.0\.1:1/);
  });
});

describe("enable, disable, restart", () => {
  it("disables and enables a plugin, remembered in the store", async () => {
    const disabled = await fx.cli(["plugin", "disable", "p.beta", "--json"]);
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({
      plugin: { id: "p.beta", state: "PLUGIN_STATE_NOT_RUNNING", enabled: false },
    });
    expect(fx.gateway.plugin("p.beta")).toMatchObject({ state: "not-running", enabled: false });
    const enabled = await fx.cli(["plugin", "enable", "p.beta"]);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(/✔ p\.beta 1\.0\.0 is active \(pid \d+\)/);
  });

  it("restarts a plugin into a new process", async () => {
    const before = fx.gateway.plugin("p.beta").pid;
    const { code, stdout } = await fx.cli(["plugin", "restart", "p.beta", "--json"]);
    expect(code).toBe(0);
    const after = (JSON.parse(stdout) as { plugin: PluginJson }).plugin;
    expect(after.state).toBe("PLUGIN_STATE_ACTIVE");
    expect(after.pid).not.toBe(before);
  });

  it("names an unknown plugin (exit 1) and refuses bad usage (exit 2)", async () => {
    const unknown = await fx.cli(["plugin", "enable", "p.nope", "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      error: { code: "not_found", message: expect.stringContaining("p.nope") },
    });
    expect((await fx.cli(["plugin", "enable"])).code).toBe(2);
    expect((await fx.cli(["plugin", "logs", "p.alpha", "--tail", "0"])).code).toBe(2);
  });
});

describe("configuration", () => {
  it("gets the configuration with defaults and the schema", async () => {
    const { code, stdout } = await fx.cli(["plugin", "config", "get", "p.alpha", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      config: { mode: "mask", limit: 5 },
      settings: [{ key: "mode" }, { key: "limit" }],
    });
  });

  it("refuses values that break the schema with a clear error and changes nothing", async () => {
    const outOfRange = await fx.cli(["plugin", "config", "set", "p.alpha", "limit=99", "--json"]);
    expect(outOfRange.code).toBe(1);
    expect(JSON.parse(outOfRange.stdout)).toMatchObject({
      error: { code: "invalid_argument", message: 'setting "limit" must be at most 10, got 99' },
    });
    const badOption = await fx.cli(["plugin", "config", "set", "p.alpha", "mode=shout"]);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain('setting "mode" must be one of "mask", "reject"');
    const unknown = await fx.cli(["plugin", "config", "set", "p.alpha", "colour=red"]);
    expect(unknown.stderr).toContain('unknown setting "colour"');
    expect(fx.gateway.getConfig("p.alpha")).toEqual({ mode: "mask", limit: 5 });
    expect((await fx.cli(["plugin", "config", "set", "p.alpha", "limit"])).code).toBe(2);
  });

  it("saves valid values (typed by the schema) and merges them over the rest", async () => {
    const { code, stdout } = await fx.cli(["plugin", "config", "set", "p.alpha", "limit=7", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ config: { mode: "mask", limit: 7 } });
    expect(fx.gateway.getConfig("p.alpha")).toEqual({ mode: "mask", limit: 7 });
  });
});

describe("logs and events", () => {
  it("logs -f prints recent records, then new ones as they are written", async () => {
    const child = fx.spawnCli(["plugin", "logs", "p.beta", "-f", "--json", "--tail", "5"]);
    try {
      await waitForLines(child, (lines) => lines.length > 0);
      const marker = `marker-${Date.now()}`;
      const lines = waitForLines(child, (all) => all.some((line) => line.includes(marker)));
      // A failing intercept makes the gateway log a warning for the plugin, with the request id.
      await fx.gateway.dispatcher.intercept("test.x", { script: { "p.beta": "fail" } }, { requestId: marker });
      const record = JSON.parse((await lines).find((line) => line.includes(marker)) ?? "{}") as Record<string, unknown>;
      expect(record).toMatchObject({
        pluginId: "p.beta",
        level: "LOG_LEVEL_WARN",
        requestId: marker,
        msg: expect.stringContaining("intercept failed"),
      });
    } finally {
      child.kill();
    }
  });

  it("logs without -f prints the recent records of the plugin only", async () => {
    const { code, stdout } = await fx.cli(["plugin", "logs", "p.beta", "--json"]);
    expect(code).toBe(0);
    const { records } = JSON.parse(stdout) as { records: Array<{ pluginId: string }> };
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.pluginId === "p.beta")).toBe(true);
  });

  it("events streams state changes and plugin-published events", async () => {
    const child = fx.spawnCli(["events", "--plugin", "p.beta", "--json"]);
    try {
      // Wait for what is asserted below (a CLI that subscribed mid-restart may see ACTIVE without STOPPING; the loop restarts again).
      const lines = waitForLines(
        child,
        (all) => all.some((l) => l.includes("PLUGIN_STATE_STOPPING")) && all.some((l) => l.includes("p.beta.notified")),
      );
      // There is no replay: act until the CLI (a fresh Node process) has subscribed and seen it.
      let seen = false;
      void lines.finally(() => (seen = true)).catch(() => undefined);
      for (let i = 0; i < 10 && !seen; i++) {
        await fx.gateway.restart("p.beta");
        fx.gateway.dispatcher.notify("test.ping", {});
        await Promise.race([lines, new Promise((resolve) => setTimeout(resolve, 1000))]);
      }
      const events = (await lines).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events).toContainEqual(
        expect.objectContaining({
          stateChanged: expect.objectContaining({ pluginId: "p.beta", state: "PLUGIN_STATE_STOPPING" }),
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          pluginEvent: expect.objectContaining({ pluginId: "p.beta", event: "p.beta.notified" }),
        }),
      );
      expect(events.every((e) => !JSON.stringify(e).includes("p.alpha"))).toBe(true);
    } finally {
      child.kill();
    }
  });
});
