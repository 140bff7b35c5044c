// The admin server's operator routes over HTTP: /metrics and /console behind the admin
// token where they hold data, plugin web bundles confined to their webapp folder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, sampleValue } from "../metrics/exposition.js";
import { scriptedPluginsWithWebapps, startConsoleGateway, type ConsoleGateway } from "./console-harness.js";

const WITH_BUNDLE = "com.test.routes.bundle";
const WITHOUT = "com.test.routes.plain";
let harness: ConsoleGateway;
const get = (path: string, token?: string) =>
  fetch(`${harness.admin.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

beforeAll(async () => {
  harness = await startConsoleGateway(
    [scriptedPluginsWithWebapps([{ id: WITH_BUNDLE, bundle: "export function register() {}\n" }, { id: WITHOUT }])],
    { examples: false },
  );
});
afterAll(() => harness?.stop());

describe("operator routes on the admin server", () => {
  it("serves Prometheus /metrics only with the admin token", async () => {
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", "0".repeat(64))).status).toBe(401);
    await harness.gateway.dispatcher.intercept("test.x", { script: { [WITH_BUNDLE]: "proceed", [WITHOUT]: "modify" } });
    const response = await get("/metrics", harness.token);
    expect(response.status).toBe(200);
    const metrics = parseExposition(await response.text());
    expect(
      sampleValue(metrics, "polyplug_hook_calls_total", { plugin_id: WITHOUT, hook: "intercept", outcome: "modify" }),
    ).toBe(1);
    expect(sampleValue(metrics, "polyplug_plugin_state", { plugin_id: WITH_BUNDLE, state: "active" })).toBe(1);
  });

  it("serves the console page without a token and redirects / to it", async () => {
    const page = await get("/console/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('src="/console/assets/main.js"');
    const script = await get("/console/assets/extension-registry.js");
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    const root = await fetch(`${harness.admin.url}/`, { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/console/"]);
    expect((await get("/console/assets/nope.js")).status).toBe(404);
    expect((await get("/console/assets/%2e%2e/console-routes.ts")).status).toBe(404);
  });

  it("lists plugin web bundles with the token and serves only their webapp folder", async () => {
    expect((await get("/console/webapps")).status).toBe(401);
    const listing = (await (await get("/console/webapps", harness.token)).json()) as { webapps: unknown[] };
    expect(listing.webapps).toEqual([
      { pluginId: WITH_BUNDLE, state: "active", url: `/console/plugins/${WITH_BUNDLE}/webapp/main.js` },
    ]);
    const bundle = await get(`/console/plugins/${WITH_BUNDLE}/webapp/main.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await bundle.text()).toContain("register");
    for (const outside of [
      `/console/plugins/${WITH_BUNDLE}/plugin.json`,
      `/console/plugins/${WITH_BUNDLE}/webapp/%2e%2e/plugin.json`,
      `/console/plugins/${WITHOUT}/webapp/main.js`,
      "/console/plugins/com.nobody/webapp/main.js",
    ]) {
      expect({ outside, status: (await get(outside)).status }).toEqual({ outside, status: 404 });
    }
  });

  it("leaves Admin API calls to the Admin API", async () => {
    const response = await fetch(`${harness.admin.url}/polyplug.v1.Admin/ListPlugins`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${harness.token}` },
      body: "{}",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { plugins: { id: string }[] };
    expect(body.plugins.map((p) => p.id)).toEqual([WITH_BUNDLE, WITHOUT]);
  });
});
