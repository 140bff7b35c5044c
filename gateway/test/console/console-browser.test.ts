// The web console end to end in headless Chromium (Debian's package, driven by
// playwright-core) against a real gateway with real plugin processes: sign-in, the plugins
// table and its buttons, plugin web bundles side by side, live events reaching a plugin's
// handler, a failing plugin component contained, settings forms and live logs.
import type { Browser, Page } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { packBundle } from "../../src/registry/bundle.js";
import { scriptedFolder } from "../admin/admin-harness.js";
import {
  browserSkipReason,
  launchChromium,
  scriptedPluginsWithWebapps,
  startConsoleGateway,
  type ConsoleGateway,
} from "./console-harness.js";
import { alive } from "../process-tree.js";

const AUDIT = "com.polyplug.example.auditlog";
const MEMBERSHIP = "com.polyplug.example.membership";
const TOGGLE = "com.test.console.toggle";
const BROKEN = "com.test.console.broken";
const THIEF = "com.test.console.thief";

// A bundle that tries every way to the operator's credential from the console's page.
const THIEF_BUNDLE = `
export function register(registry) {
  registry.registerComponent("dashboard.widget", (container) => {
    const out = document.createElement("pre");
    out.className = "thief-result";
    container.append(out);
    (async () => {
      const dump = (storage) => JSON.stringify(Object.fromEntries(Object.keys(storage).map((k) => [k, storage.getItem(k)])));
      const result = { cookie: document.cookie, sessionStorage: dump(sessionStorage), localStorage: dump(localStorage) };
      const call = (method, headers = {}) => fetch("/polyplug.v1.Admin/" + method, { method: "POST", credentials: "include", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ pluginId: "${THIEF}" }) });
      result.listPlugins = (await call("ListPlugins")).status;
      result.disableWithGuessedKey = (await call("DisablePlugin", { "x-polyplug-csrf": "0".repeat(64) })).status;
      result.signInWithoutToken = (await fetch("/console/session", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: "{}" })).status;
      out.textContent = JSON.stringify(result);
    })();
  });
}
`;

// A bundle whose widget throws, next to an action and a panel that work.
const BROKEN_BUNDLE = `
export function register(registry) {
  registry.registerComponent("dashboard.widget", () => { throw new Error("widget exploded on purpose"); });
  registry.registerComponent("plugins-table.action", (container) => {
    const button = document.createElement("button");
    button.textContent = "Broken's action";
    container.append(button);
  });
  registry.registerComponent("plugin-page.panel", (container) => { container.textContent = "panel of the broken plugin"; });
}
`;

/** Follows a console route (the hash part of its URL). */
const goTo = (page: Page, hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

if (browserSkipReason) console.warn(`console browser tests: ${browserSkipReason}`);

describe.skipIf(browserSkipReason !== undefined)("the web console in headless Chromium", () => {
  let harness: ConsoleGateway;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    harness = await startConsoleGateway([
      scriptedPluginsWithWebapps([
        { id: TOGGLE },
        { id: BROKEN, bundle: BROKEN_BUNDLE },
        { id: THIEF, bundle: THIEF_BUNDLE },
      ]),
    ]);
    browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  /** A new tab signed in through the console's login link. */
  async function signedIn(route = "#/"): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    await page.goto(`${harness.admin.url}/console/#token=${harness.token}`);
    await page.locator("#nav").waitFor();
    if (route !== "#/") await goTo(page, route);
    return page;
  }

  const row = (page: Page, pluginId: string) => page.locator(`#plugins-table tr[data-plugin-id="${pluginId}"]`);

  it("asks for the admin token, refuses a wrong one and then shows the plugins table", async () => {
    const page = await browser.newPage();
    pages.push(page);
    await page.goto(`${harness.admin.url}/console/`);
    await page.locator("#token").fill("0".repeat(64));
    await page.locator("#login button[type=submit]").click();
    await expect.poll(() => page.locator("#login [role=alert]").textContent()).toContain("refused the token");
    await page.locator("#token").fill(harness.token);
    await page.locator("#login button[type=submit]").click();
    await page.getByRole("link", { name: "Plugins" }).click();
    await row(page, AUDIT).waitFor();
    const ids = await page
      .locator("#plugins-table tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-plugin-id")));
    expect(ids).toEqual(
      harness.gateway
        .plugins()
        .map((p) => p.pluginId)
        .sort(),
    );
    await expect.poll(() => row(page, TOGGLE).getAttribute("data-state")).toBe("active");
    expect(await row(page, AUDIT).locator("td").nth(1).textContent()).toBe("0.1.0");
  });

  it("Disable really stops the plugin's process, Enable starts it again", async () => {
    const page = await signedIn("#/plugins");
    const pid = harness.gateway.plugin(TOGGLE).pid;
    expect(pid).toBeDefined();
    await row(page, TOGGLE).locator("button[data-action=disable]").click();
    await expect.poll(() => row(page, TOGGLE).getAttribute("data-state"), { timeout: 15_000 }).toBe("not-running");
    expect(harness.gateway.plugin(TOGGLE)).toMatchObject({ state: "not-running", enabled: false, pid: undefined });
    expect(alive(pid as number)).toBe(false);

    await row(page, TOGGLE).locator("button[data-action=enable]").click();
    await expect.poll(() => row(page, TOGGLE).getAttribute("data-state"), { timeout: 15_000 }).toBe("active");
    const again = harness.gateway.plugin(TOGGLE).pid as number;
    expect(again).not.toBe(pid);
    expect(alive(again)).toBe(true);
  });

  it("lists the gateway's nodes on the dashboard (itself alone with the SQLite store), alive, with its plugins", async () => {
    const page = await signedIn();
    const row = page.locator("#nodes-table tr[data-node]");
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = (await row.first().textContent()) ?? "";
    expect(text).toContain("(this node)");
    expect(text).toContain("alive");
    expect(text).toContain(`${MEMBERSHIP}@`);
  });

  it("shows two plugins' dashboard widgets side by side and delivers their live events to their handlers", async () => {
    const page = await signedIn();
    const widgets = page.locator("#dashboard-widgets > .contribution");
    await page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${MEMBERSHIP}"]`).waitFor();
    const owners = await widgets.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-plugin-id")));
    expect(owners).toEqual(expect.arrayContaining([AUDIT, MEMBERSHIP, BROKEN]));
    const audit = page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${AUDIT}"]`);
    const membership = page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${MEMBERSHIP}"]`);
    expect(await audit.locator(".audit-count").textContent()).toBe("0");
    await page.locator("#event-feed").waitFor();

    harness.gateway.dispatcher.notify("user.joined_channel", { user_id: "ann", channel_id: "town" });
    await expect.poll(() => audit.locator(".audit-count").textContent(), { timeout: 10_000 }).toBe("1");
    expect(await audit.locator(".audit-latest").textContent()).toContain("user.joined_channel");
    await expect
      .poll(() => membership.locator(".membership-count").first().textContent(), { timeout: 10_000 })
      .toBe("town: 1 member");
    await expect.poll(() => page.locator("#event-feed").textContent()).toContain(`${MEMBERSHIP}.changed`);
  });

  it("contains a failing plugin component and reports it; the other contributions carry on", async () => {
    const page = await signedIn();
    const broken = page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${BROKEN}"]`);
    await expect
      .poll(() => broken.locator("[role=alert]").textContent())
      .toBe(`This component of ${BROKEN} failed: widget exploded on purpose`);
    expect(
      await page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${AUDIT}"] .audit-count`).count(),
    ).toBe(1);
    expect(await page.locator("#problems").textContent()).toContain(
      `${BROKEN} (dashboard.widget): widget exploded on purpose`,
    );
    // Its working contributions still appear where they belong.
    await goTo(page, "#/plugins");
    await expect.poll(() => row(page, BROKEN).getByRole("button", { name: "Broken's action" }).count()).toBe(1);
    expect(await row(page, AUDIT).getByRole("button", { name: "Broken's action" }).count()).toBe(0);
    await goTo(page, `#/plugins/${BROKEN}`);
    // Contributions render in shadow roots: locators pierce them, textContent does not.
    await page.locator("#plugin-panels").getByText("panel of the broken plugin").waitFor();
  });

  it("removes a plugin's contributions when it is disabled and brings them back when enabled", async () => {
    const page = await signedIn();
    const audit = page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${AUDIT}"]`);
    await audit.waitFor();
    await harness.gateway.disable(AUDIT);
    await expect.poll(() => audit.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${MEMBERSHIP}"]`).count()).toBe(1);
    await harness.gateway.enable(AUDIT);
    await expect.poll(() => audit.count(), { timeout: 10_000 }).toBe(1);
  });

  it("generates the settings form from the schema, shows validation errors and saves", async () => {
    const page = await signedIn(`#/plugins/${AUDIT}`);
    const retention = page.locator("#setting-retention_seconds");
    await retention.waitFor();
    expect(await retention.getAttribute("type")).toBe("number");
    expect(await page.locator("#setting-announce").getAttribute("type")).toBe("checkbox");
    expect(await page.locator("#setting-announce").isChecked()).toBe(true);

    await retention.fill("-5");
    await page.locator("#settings-form button[type=submit]").click();
    await expect.poll(() => page.locator("#settings-form .form-error").textContent()).toContain("retention_seconds");
    expect(await page.locator('.field[data-key="retention_seconds"]').getAttribute("class")).toContain("invalid");
    expect(harness.gateway.getConfig(AUDIT).retention_seconds).toBe(0);

    await retention.fill("60");
    await page.locator("#setting-announce").uncheck();
    await page.locator("#settings-form button[type=submit]").click();
    await expect.poll(() => page.locator("#settings-form .form-ok").textContent()).toBe("Saved.");
    expect(harness.gateway.getConfig(AUDIT)).toEqual({ retention_seconds: 60, announce: false });
  });

  it("keeps the credential from plugin bundles: HttpOnly SameSite=Strict session cookie, no token in storage, Admin calls without the CSRF key refused", async () => {
    const page = await signedIn();
    const result = page.locator(`#dashboard-widgets > .contribution[data-plugin-id="${THIEF}"] .thief-result`);
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toMatch(/listPlugins/);
    const stolen = JSON.parse((await result.textContent()) ?? "{}") as Record<string, unknown>;
    expect(stolen).toMatchObject({
      cookie: "",
      sessionStorage: "{}",
      localStorage: "{}",
      listPlugins: 403,
      disableWithGuessedKey: 403,
      signInWithoutToken: 401,
    });
    expect(JSON.stringify(stolen)).not.toContain(harness.token);
    expect(harness.gateway.plugin(THIEF)).toMatchObject({ state: "active", enabled: true });
    // The session cookie exists, but only the browser holds it.
    const cookies = await page.context().cookies(harness.admin.url);
    expect(cookies).toEqual([
      expect.objectContaining({ name: "polyplug_session", httpOnly: true, sameSite: "Strict", path: "/" }),
    ]);
    expect(cookies[0]?.value).not.toBe(harness.token);
    // The console itself still works with it, and signing out ends the session on the gateway.
    await goTo(page, "#/plugins");
    await row(page, AUDIT).waitFor();
    const session = cookies[0]?.value ?? "";
    await page.locator("#logout").click();
    await page.locator("#login").waitFor();
    const after = await fetch(`${harness.admin.url}/polyplug.v1.Admin/ListPlugins`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `polyplug_session=${session}` },
      body: "{}",
    });
    expect(after.status).toBe(401);
  });

  it("install: a dialog lists the permissions the bundle asks for and installs only on Approve", async () => {
    const source = scriptedFolder(
      mkdtempSync(path.join(tmpdir(), "polyplug-console-install-")),
      "com.test.console.installed",
      "1.0.0",
      { permissions: { api: ["log", "config", "kv"], network: "none" } },
    );
    const file = path.join(path.dirname(source), "bundle.tar.gz");
    await packBundle(source, file);
    const page = await signedIn("#/install");
    await page.locator("#install-bundle").setInputFiles(file);
    await page.locator("#install-form button[type=submit]").click();
    await page.locator("#install-dialog[open]").waitFor();
    expect(await page.locator("#install-permissions li").allTextContents()).toEqual([
      "GatewayAPI: log, config, kv",
      "network: none",
      "read-only paths: none",
      "resource limits: the gateway's defaults",
    ]);
    await page.locator("#install-cancel").click();
    await expect.poll(() => page.locator("#install-result").textContent()).toContain("not approved");
    expect(harness.gateway.plugins().map((p) => p.pluginId)).not.toContain("com.test.console.installed");

    await page.locator("#install-form button[type=submit]").click();
    await page.locator("#install-approve").click();
    await expect
      .poll(() => page.locator("#install-result").textContent(), { timeout: 30_000 })
      .toContain("Installed com.test.console.installed 1.0.0 — active (unsigned)");
    expect(harness.gateway.plugin("com.test.console.installed")).toMatchObject({
      state: "active",
      permissions: { api: ["log", "config", "kv"] },
    });
    await harness.gateway.remove("com.test.console.installed");
  });

  it("streams the plugin's logs live on its page", async () => {
    const page = await signedIn(`#/plugins/${TOGGLE}`);
    await page.locator("#plugin-logs .log-line").first().waitFor();
    await harness.gateway.restart(TOGGLE);
    await expect
      .poll(async () => (await page.locator("#plugin-logs").textContent()) ?? "", { timeout: 10_000 })
      .toMatch(/restart|start|activ/i);
  });
});
