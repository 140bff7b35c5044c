// What a newcomer saw in the console (issue 18), end to end in headless Chromium: events
// history on load (and a placeholder when there is none), a plugin's last error with its
// time and whether it recovered, wrapped instead of overflowing, log lines with the date,
// Disable/Remove on an installed plugin's page, an unknown plugin's page, and a screenshot
// of each page at 1400×900 checked for horizontal overflow.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";
import {
  browserSkipReason,
  launchChromium,
  scriptedPluginsWithWebapps,
  startConsoleGateway,
  type ConsoleGateway,
} from "./console-harness.js";

const MEMBERSHIP = "com.polyplug.example.membership";
const CRASHY = "com.test.console.crashy";
const INSTALLED = "com.test.console.installed";
/** Where the screenshots go (git-ignored); the test prints the folder. */
const SCREENSHOTS = path.join(fixturePaths.gateway, "test", ".fixtures", "console-screenshots");

const goTo = (page: Page, hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

/** Saves a 1400×900 screenshot and returns the page's horizontal overflow in pixels (0 = none). */
async function screenshot(page: Page, name: string): Promise<number> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  return page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
}

/** A plugin folder (the scripted Go plugin) to install as a bundle would be. */
function installableFolder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "console-install-")), INSTALLED);
  mkdirSync(dir);
  const manifest = {
    id: INSTALLED,
    name: "Installed",
    version: "1.0.0",
    command: [fixturePaths.goScripted],
    env: { SCRIPTED_PLUGIN_ID: INSTALLED },
    hooks: { intercept: [{ topic: "test.*" }] },
  };
  writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest));
  return dir;
}

if (browserSkipReason) console.warn(`console browser tests: ${browserSkipReason}`);

describe.skipIf(browserSkipReason !== undefined)("the console for a newcomer (1400×900)", () => {
  let harness: ConsoleGateway;
  let empty: ConsoleGateway;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    harness = await startConsoleGateway([scriptedPluginsWithWebapps([{ id: CRASHY }])]);
    empty = await startConsoleGateway([], { examples: false });
    browser = await launchChromium();
    console.info(`console screenshots: ${SCREENSHOTS}`);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
    await empty?.stop();
  });

  async function signedIn(gateway: ConsoleGateway, route = "#/"): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    pages.push(page);
    await page.goto(`${gateway.admin.url}/console/#token=${gateway.token}`);
    await page.locator("#nav").waitFor();
    if (route !== "#/") await goTo(page, route);
    return page;
  }

  it("shows the recent events on load, on the Events page and the dashboard", async () => {
    // Events that happened before anyone opened the console.
    harness.gateway.dispatcher.notify("user.joined_channel", { user_id: "bob", channel_id: "hall" });
    await harness.gateway.dispatcher.drained();
    await harness.gateway.restart(CRASHY);
    const page = await signedIn(harness, "#/events");
    await expect
      .poll(() => page.locator("#event-feed").textContent(), { timeout: 15_000 })
      .toContain(`${MEMBERSHIP}.changed`);
    // A restart before this page was opened: state changes from the gateway's history.
    expect(await page.locator("#event-feed").textContent()).toContain(`${CRASHY} → active`);
    expect(await page.locator("#event-placeholder").count()).toBe(0);
    expect(await page.locator("#event-feed .event-line").first().textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /,
    );
    expect(await screenshot(page, "events")).toBeLessThanOrEqual(0);

    await goTo(page, "#/");
    await expect.poll(() => page.locator("#event-feed").textContent()).toContain(`${MEMBERSHIP}.changed`);
    expect(await screenshot(page, "dashboard")).toBeLessThanOrEqual(0);
  });

  it("shows a placeholder when the gateway has no events yet", async () => {
    const page = await signedIn(empty, "#/events");
    await expect.poll(() => page.locator("#event-placeholder").textContent()).toContain("No events yet");
    expect(await screenshot(page, "events-empty")).toBeLessThanOrEqual(0);
  });

  it("shows a plugin's last error with its time and that it recovered since, wrapped; logs with date and time", async () => {
    const before = harness.gateway.plugin(CRASHY);
    process.kill(before.pid as number, "SIGKILL");
    await expect
      .poll(() => harness.gateway.plugin(CRASHY).lastError?.message ?? "", { timeout: 15_000 })
      .toContain("signal SIGKILL");
    await expect.poll(() => harness.gateway.plugin(CRASHY).state, { timeout: 30_000 }).toBe("active");

    const page = await signedIn(harness, `#/plugins/${CRASHY}`);
    const error = page.locator("#plugin-last-error");
    await expect
      .poll(() => error.textContent(), { timeout: 15_000 })
      .toMatch(/Last error at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d — recovered: active since \d{4}-/);
    expect(await error.textContent()).toContain("plugin exited unexpectedly (signal SIGKILL)");
    await expect.poll(() => page.locator("#plugin-logs .log-line").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator("#plugin-logs .log-line").first().textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /,
    );
    // A long error line wraps: the error box stays inside the page.
    const box = await error.locator("pre").evaluate((node) => ({ scroll: node.scrollWidth, client: node.clientWidth }));
    expect(box.scroll).toBeLessThanOrEqual(box.client);
    expect(await screenshot(page, "plugin-recovered")).toBeLessThanOrEqual(0);
  });

  it("gives an installed plugin's page Disable and Remove buttons that work", async () => {
    await harness.gateway.install(installableFolder());
    const page = await signedIn(harness, `#/plugins/${INSTALLED}`);
    await page.locator("#plugin-actions button[data-action=remove]").waitFor();
    expect(await screenshot(page, "plugin-installed")).toBeLessThanOrEqual(0);
    await page.locator("#plugin-actions button[data-action=disable]").click();
    await expect.poll(() => harness.gateway.plugin(INSTALLED).state, { timeout: 15_000 }).toBe("not-running");
    await page.locator("#plugin-actions button[data-action=enable]").waitFor();
    await page.locator("#plugin-actions button[data-action=remove]").click();
    await expect
      .poll(() => harness.gateway.plugins().some((p) => p.pluginId === INSTALLED), { timeout: 15_000 })
      .toBe(false);
    await expect.poll(() => page.evaluate<string>("location.hash")).toBe("#/plugins");
    // A folder plugin cannot be removed from the console: no button, a hint instead.
    await goTo(page, `#/plugins/${CRASHY}`);
    await page.locator("#plugin-actions button[data-action=disable]").waitFor();
    expect(await page.locator("#plugin-actions button[data-action=remove]").count()).toBe(0);
  });

  it("says an unknown plugin does not exist instead of reconnecting its log stream", async () => {
    const page = await signedIn(harness, "#/plugins/com.example.nope");
    await expect
      .poll(() => page.locator("#plugin-missing").textContent())
      .toContain('There is no plugin "com.example.nope"');
    expect(await page.locator("body").textContent()).not.toContain("reconnecting");
    expect(await screenshot(page, "plugin-unknown")).toBeLessThanOrEqual(0);
  });

  it("fits the plugins table in 1400 px", async () => {
    const page = await signedIn(harness, "#/plugins");
    await page.locator(`#plugins-table tr[data-plugin-id="${CRASHY}"]`).waitFor();
    expect(await screenshot(page, "plugins")).toBeLessThanOrEqual(0);
  });
});
