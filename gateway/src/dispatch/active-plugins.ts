import type { Manifest } from "../registry/manifest.js";
import type { PluginSession } from "../supervision/plugin-session.js";

/** An active plugin as dispatch sees it. */
export interface ActivePlugin {
  readonly pluginId: string;
  readonly manifest: Manifest;
  readonly session: PluginSession;
  /** Tells supervision about a hook call past its deadline (hang detection). */
  reportHookTimeout(hook: string): void;
  reportHookSuccess(): void;
}

/** Where dispatch finds the plugins that are active right now. */
export interface ActivePlugins {
  list(): ActivePlugin[];
  get(pluginId: string): ActivePlugin | undefined;
}
