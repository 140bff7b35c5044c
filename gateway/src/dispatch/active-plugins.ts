import type { DescribeResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { Manifest } from "../registry/manifest.js";
import type { PluginSession } from "../supervision/plugin-session.js";

/** What hook dispatch needs of a session (no process handle): the gateway's own, or a public-port worker's connection to it. */
export type HookSession = Omit<PluginSession, "host">;

/** An active plugin as dispatch sees it. */
export interface ActivePlugin {
  readonly pluginId: string;
  readonly manifest: Manifest;
  readonly session: HookSession;
  /** Tells supervision about a hook call past its deadline (a hang, or only a busy plugin: supervision checks). */
  reportHookTimeout(hook: string): void;
  reportHookSuccess(): void;
}

/**
 * A plugin the operator wants running (enabled), whatever its state right now: what intercept
 * chains are made of, so that a fail-closed plugin that is starting, restarting, unhealthy
 * or parked still has its step (and rejects) instead of silently dropping out.
 */
export interface ChainMember {
  readonly pluginId: string;
  readonly manifest: Manifest;
  /** Its last Describe answer (undefined before it ever became active). */
  readonly description: DescribeResponse | undefined;
  /** The plugin while it serves hooks; undefined while it is not active. */
  active(): ActivePlugin | undefined;
  /** Its supervision state (e.g. `restarting`, `failed`), for the step's error message. */
  state(): string;
}

/** Where dispatch finds the plugins that are active right now. */
export interface ActivePlugins {
  list(): ActivePlugin[];
  get(pluginId: string): ActivePlugin | undefined;
  /** Every plugin the operator wants running, active or not (see ChainMember). */
  members(): ChainMember[];
}
