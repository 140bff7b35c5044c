import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { chromium, type Browser } from "playwright-core";
import { startAdminServer, type AdminServer } from "../../src/admin/admin-server.js";
import { ensureAdminToken } from "../../src/admin/auth.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { createLogTap } from "../../src/runtime/log-tap.js";
import { fixturePaths } from "../paths.js";
import { dataDir, scriptedPluginsDir, type ScriptedPlugin } from "../runtime/scripted-plugins.js";

/** Debian's Chromium (`apt-get install chromium`), driven by playwright-core. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Why the browser tests are skipped, or undefined when they run. They are skipped only
 * when Chromium is missing outside CI; under CI=true they always run (and fail loudly).
 */
export const browserSkipReason: string | undefined =
  !existsSync(CHROMIUM_PATH) && !process.env.CI
    ? `${CHROMIUM_PATH} is missing (apt-get install -y chromium); browser tests skipped outside CI`
    : undefined;

/** Starts headless Chromium; playwright gives it a fresh, empty profile in a temporary folder. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A scripted plugin with a web bundle (its source text) in `webapp/main.js`. */
export interface ScriptedWebapp extends ScriptedPlugin {
  readonly bundle?: string;
}

/** Writes scripted plugins (see scripted-plugins.ts) and gives those with `bundle` a web bundle. */
export function scriptedPluginsWithWebapps(plugins: readonly ScriptedWebapp[]): string {
  const root = scriptedPluginsDir(plugins);
  for (const plugin of plugins) {
    if (plugin.bundle === undefined) continue;
    const dir = path.join(root, plugin.id);
    mkdirSync(path.join(dir, "webapp"));
    writeFileSync(path.join(dir, "webapp", "main.js"), plugin.bundle);
    const manifest = JSON.parse(readFileSync(path.join(dir, "plugin.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(
      path.join(dir, "plugin.json"),
      JSON.stringify({ ...manifest, webapp: { bundle: "webapp/main.js" } }, null, 2),
    );
  }
  return root;
}

/** A gateway with its admin server (console and /metrics), as `polyplug serve` runs them. */
export interface ConsoleGateway {
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Starts a gateway over the TypeScript examples (audit log, link preview), the Go examples
 * (membership, word filter) and `extraPluginsDirs`, with a log tap and the admin server
 * on a free port.
 */
export async function startConsoleGateway(
  extraPluginsDirs: readonly string[],
  { examples = true } = {},
): Promise<ConsoleGateway> {
  const data = dataDir();
  const logTap = createLogTap();
  const logger = pino({ level: "debug" }, logTap.stream);
  const gateway = await createGateway({
    pluginsDirs: [
      ...(examples ? [path.join(fixturePaths.gateway, "examples"), path.join(fixturePaths.examplesGo, "plugins")] : []),
      ...extraPluginsDirs,
    ],
    dataDir: data,
    port: 0,
    logger,
    logTap,
    policy: { healthIntervalMs: 60_000 },
  });
  const token = await ensureAdminToken(data);
  // "warn": the console's install test uses an unsigned bundle (the require policy has its own tests).
  const admin = await startAdminServer({ gateway, port: 0, token, logger, signaturePolicy: "warn" });
  return {
    gateway,
    admin,
    token: token.token,
    async stop() {
      await admin.close();
      await gateway.stop();
    },
  };
}
