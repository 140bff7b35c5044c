import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { detectSandboxSupport, type SandboxSupport } from "../../src/host/sandbox/sandbox-support.js";
import type { Gateway } from "../../src/runtime/gateway.js";
import { fixturePaths } from "../paths.js";

/** What this machine offers, detected as the gateway does. */
export const support: SandboxSupport = await detectSandboxSupport("required");

/** Why sandbox tests cannot run here ("" when they can): shown in the skipped test's name. */
export const sandboxSkipReason =
  support.isolation === "bubblewrap" ? "" : ` [skipped: ${support.unavailableReason ?? "no sandbox"}]`;
export const cgroupSkipReason = support.cgroup
  ? ""
  : " [skipped: no writable cgroup hierarchy here (limits fall back to rlimits)]";
export const rootSkipReason = process.getuid?.() === 0 ? "" : " [skipped: needs root (a dedicated uid per plugin)]";

/** The repo's Python, which has the Python SDK. */
export const python = path.join(fixturePaths.repo, ".venv", "bin", "python");

/** A plugins folder with the hostile plugin (and a victim folder next to it), and a data dir with an admin token. */
export function hostileSetup(
  options: {
    readonly limits?: Record<string, number>;
    readonly targets?: Record<string, unknown>;
    readonly network?: "none" | "host";
  } = {},
) {
  const pluginsDir = mkdtempSync(path.join(tmpdir(), "polyplug-hostile-plugins-"));
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyplug-hostile-data-"));
  writeFileSync(path.join(dataDir, "admin-token"), `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  const victim = path.join(pluginsDir, "victim");
  mkdirSync(victim);
  writeFileSync(path.join(victim, "secret.txt"), "the victim plugin's secret\n");
  const pluginId = "com.polyplug.test.hostile";
  const dir = path.join(pluginsDir, "hostile");
  mkdirSync(dir);
  cpSync(
    path.join(fixturePaths.gateway, "test", "fixtures", "hostile-plugin", "plugin.py"),
    path.join(dir, "plugin.py"),
  );
  const targets = {
    token: path.join(dataDir, "admin-token"),
    db: path.join(dataDir, "polyplug.db"),
    dataDir,
    otherPluginFile: path.join(victim, "secret.txt"),
    pluginsDir,
    gatewayPid: process.pid,
    port: 1,
    ...options.targets,
  };
  writeFileSync(
    path.join(dir, "plugin.json"),
    JSON.stringify({
      id: pluginId,
      name: "Hostile",
      version: "0.0.1",
      command: ["python", "plugin.py"],
      env: { HOSTILE_ID: pluginId, HOSTILE_TARGETS: JSON.stringify(targets) },
      hooks: { commandTimeoutMs: 30_000 },
      permissions: { network: options.network ?? "none", limits: options.limits ?? {} },
    }),
  );
  return { pluginsDir, dataDir, pluginId, dir };
}

/** Resolves once `predicate` holds for the plugin's listing (checked on every state change). */
export function waitForPlugin(
  gateway: Gateway,
  pluginId: string,
  predicate: (listing: ReturnType<Gateway["plugin"]>) => boolean,
): Promise<ReturnType<Gateway["plugin"]>> {
  return new Promise((resolve) => {
    const check = () => {
      const listing = gateway.plugin(pluginId);
      if (!predicate(listing)) return false;
      off();
      resolve(listing);
      return true;
    };
    const off = gateway.onPluginState(() => void check());
    check();
  });
}

/** Host pids whose command line contains `token`. */
export function processesWith(token: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").includes(token))
        found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/**
 * Polls `left` (the kernel reaps asynchronously: there is no event to wait on) until it is empty or `timeoutMs`
 * passed; returns what is left then.
 */
export async function waitUntilNone<T>(left: () => T[], timeoutMs = 10_000): Promise<T[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const now = left();
    if (now.length === 0 || Date.now() > until) return now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until no process has `token` in its command line; returns what is left. */
export function waitNoProcessWith(token: string, timeoutMs = 10_000): Promise<number[]> {
  return waitUntilNone(() => processesWith(token), timeoutMs);
}

/** The cgroup directories (any hierarchy) of a running plugin of this process's gateways. */
export function pluginCgroupDirs(pluginId: string): string[] {
  const dirs: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === `polyplug-${process.pid}`) {
        for (const child of readdirSync(path.join(dir, name)))
          if (child.startsWith(`${pluginId}.`)) dirs.push(path.join(dir, name, child));
      } else if (!name.includes(".") && !name.startsWith("polyplug-")) walk(path.join(dir, name), depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return dirs;
}
