import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fixturePaths } from "../paths.js";

/** How one scripted test plugin is subscribed. */
export interface ScriptedPlugin {
  readonly id: string;
  readonly priority?: number;
  readonly interceptTimeoutMs?: number;
  readonly onFailure?: "open" | "closed";
  readonly command?: string;
  readonly env?: Record<string, string>;
  /** GatewayAPI capabilities (default: log, config, kv, events — all the scripted plugin uses). */
  readonly api?: readonly string[];
}

/** Writes a plugins folder with one manifest per scripted plugin (all run examples-go/bin/scripted). */
export function scriptedPluginsDir(plugins: readonly ScriptedPlugin[]): string {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-plugins-"));
  for (const plugin of plugins) {
    const dir = path.join(root, plugin.id);
    mkdirSync(dir);
    const manifest = {
      id: plugin.id,
      name: `Scripted ${plugin.id}`,
      version: "0.0.1",
      command: [fixturePaths.goScripted],
      env: {
        SCRIPTED_PLUGIN_ID: plugin.id,
        ...(plugin.command ? { SCRIPTED_COMMAND: plugin.command } : {}),
        ...plugin.env,
      },
      permissions: { api: plugin.api ?? ["log", "config", "kv", "events"] },
      hooks: {
        intercept: [
          {
            topic: "test.*",
            priority: plugin.priority ?? 100,
            timeoutMs: plugin.interceptTimeoutMs ?? 5000,
            onFailure: plugin.onFailure ?? "open",
          },
        ],
        notify: [{ topic: "test.*" }],
      },
    };
    writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest, null, 2));
  }
  return root;
}

/** A fresh data folder. */
export function dataDir(): string {
  return mkdtempSync(path.join(tmpdir(), "polyplug-data-"));
}
