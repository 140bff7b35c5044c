import { ErrorCode, PolyplugError } from "../errors.js";
import { TOPIC_PATTERN, topicMatches } from "@polyplug/sdk/internal/topics.js";
import { TOPIC_NAME_RULE } from "@polyplug/sdk/internal/contract/names.js";

/** What a chain does when a plugin fails or is unavailable: let the event through, or reject it. */
export type FailMode = "open" | "closed";

/**
 * Where the fail mode that applied came from, most authoritative first: `admin` (set through
 * the Admin API, kept in the store), `config` (the serve config's `failurePolicy.plugins`),
 * `config-default` (`failurePolicy.default`), `manifest` (the plugin's own `onFailure`
 * suggestion, used only when the operator set nothing for it).
 */
export type FailModeSource = "admin" | "config" | "config-default" | "manifest";

/** The fail mode of one plugin for one topic, and where it came from. */
export interface AppliedFailMode {
  readonly mode: FailMode;
  readonly source: FailModeSource;
}

/** One plugin's operator setting: one mode for all its topics, or a mode per topic pattern. */
export type PluginFailModes = FailMode | Readonly<Record<string, FailMode>>;

/** The serve config's `failurePolicy` block (every field optional). */
export interface FailurePolicyConfig {
  /** Mode for every plugin and topic the operator did not name; unset: each manifest's suggestion. */
  readonly default?: FailMode | undefined;
  /** Per plugin id: a mode, or `{ "<topic or pattern>": mode }` (`*` = every topic). */
  readonly plugins?: Readonly<Record<string, PluginFailModes>> | undefined;
}

/** The mode for `topic` in `modes`: a plain mode, or the most specific matching pattern. */
function modeFor(modes: PluginFailModes | undefined, topic: string): FailMode | undefined {
  if (modes === undefined) return undefined;
  if (typeof modes === "string") return modes;
  let best: string | undefined;
  for (const pattern of Object.keys(modes)) {
    if (topicMatches(pattern, topic) && (best === undefined || specificity(pattern) > specificity(best)))
      best = pattern;
  }
  return best === undefined ? undefined : modes[best];
}

/** Exact topics beat `prefix.*`, longer prefixes beat shorter ones, `*` comes last. */
function specificity(pattern: string): number {
  if (pattern === "*") return 0;
  return pattern.endsWith(".*") ? pattern.length : 1000 + pattern.length;
}

/**
 * The operator's failure policy: the serve config plus the Admin API's overrides. Resolution
 * for a plugin and topic: admin override, then `failurePolicy.plugins`, then
 * `failurePolicy.default`, then the manifest's `onFailure` suggestion.
 */
export class FailurePolicy {
  private overrides = new Map<string, Record<string, FailMode>>();

  constructor(private readonly config: FailurePolicyConfig = {}) {
    checkFailurePolicyConfig(config);
  }

  /** The fail mode that applies to `pluginId` on `topic`, given the manifest's suggestion. */
  resolve(pluginId: string, topic: string, suggested: FailMode): AppliedFailMode {
    const admin = modeFor(this.overrides.get(pluginId), topic);
    if (admin) return { mode: admin, source: "admin" };
    const configured = modeFor(this.config.plugins?.[pluginId], topic);
    if (configured) return { mode: configured, source: "config" };
    if (this.config.default) return { mode: this.config.default, source: "config-default" };
    return { mode: suggested, source: "manifest" };
  }

  /** The Admin API's overrides, plugin id → topic pattern → mode (`*` = every topic). */
  adminOverrides(): Readonly<Record<string, Readonly<Record<string, FailMode>>>> {
    return Object.fromEntries([...this.overrides].map(([id, modes]) => [id, { ...modes }]));
  }

  /** Replaces every admin override (loading them from the store). Invalid entries are refused. */
  setAdminOverrides(overrides: Readonly<Record<string, Readonly<Record<string, FailMode>>>>): void {
    checkFailurePolicyConfig({ plugins: overrides });
    this.overrides = new Map(Object.entries(overrides).map(([id, modes]) => [id, { ...modes }]));
  }

  /** Sets (or, with `mode` undefined, removes) the admin override of `pluginId` for `topic` (`*` = every topic). */
  setAdminOverride(pluginId: string, topic: string, mode: FailMode | undefined): void {
    checkTopicPattern(topic, `failure policy topic of ${pluginId}`);
    const modes = { ...this.overrides.get(pluginId) };
    if (mode) modes[topic] = mode;
    else delete modes[topic];
    if (Object.keys(modes).length === 0) this.overrides.delete(pluginId);
    else this.overrides.set(pluginId, modes);
  }
}

function checkTopicPattern(topic: string, what: string): void {
  if (!TOPIC_PATTERN.test(topic)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${what}: ${JSON.stringify(topic.slice(0, 140))} is not a topic: use an exact topic ${TOPIC_NAME_RULE}, "prefix.*" or "*" (every topic)`,
    );
  }
}

function checkMode(mode: unknown, what: string): void {
  if (mode !== "open" && mode !== "closed")
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${what}: ${JSON.stringify(mode)} is not a fail mode: use "open" or "closed"`,
    );
}

/** Checks a failure policy's shape (the serve config schema checks it too; this guards the library API and the store). */
function checkFailurePolicyConfig(config: FailurePolicyConfig): void {
  if (config.default !== undefined) checkMode(config.default, "failurePolicy.default");
  for (const [pluginId, modes] of Object.entries(config.plugins ?? {})) {
    if (typeof modes === "string") {
      checkMode(modes, `failurePolicy.plugins.${pluginId}`);
      continue;
    }
    for (const [topic, mode] of Object.entries(modes)) {
      checkTopicPattern(topic, `failurePolicy.plugins.${pluginId}`);
      checkMode(mode, `failurePolicy.plugins.${pluginId}.${topic}`);
    }
  }
}
