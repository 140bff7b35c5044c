import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { AppliedFailMode, FailMode, FailurePolicy } from "../dispatch/failure-policy.js";
import type { Manifest } from "../registry/manifest.js";
import type { KvStore } from "../store/store.js";
import type { PluginState } from "../supervision/supervisor.js";

/**
 * The KV namespace where the Admin API's fail-mode overrides are kept. Plugin ids are
 * `[a-zA-Z0-9._-]`, so no plugin's namespace can ever be this one.
 */
const NAMESPACE = "@polyplug";
const KEY = "failure-policy";

/** The fail mode of one subscribed topic of a plugin, as status shows it. */
export interface TopicFailMode extends AppliedFailMode {
  /** The manifest's subscription topic (pattern). */
  readonly topic: string;
}

/** The fail mode that applies to every intercept subscription of `manifest`. */
export function topicFailModes(policy: FailurePolicy, manifest: Manifest): TopicFailMode[] {
  return manifest.hooks.intercept.map((subscription) => ({
    topic: subscription.topic,
    ...policy.resolve(manifest.id, subscription.topic, subscription.onFailure),
  }));
}

/** States in which a plugin serves hooks; in any other state its fail-closed topics are rejected. */
export function servesHooks(state: PluginState): boolean {
  return state === "active" || state === "unhealthy";
}

/** Loads the stored admin overrides into `policy`; a damaged record is logged and ignored. */
export async function loadFailModeOverrides(store: KvStore, policy: FailurePolicy, logger: Logger): Promise<void> {
  const entry = await store.kvGet(NAMESPACE, KEY);
  if (!entry) return;
  try {
    policy.setAdminOverrides(
      JSON.parse(Buffer.from(entry.value).toString("utf8")) as Record<string, Record<string, FailMode>>,
    );
  } catch (error) {
    logger.error(
      { err: PolyplugError.from(error).message },
      "stored fail-mode overrides are unreadable; using the serve config's failurePolicy only",
    );
  }
}

/** Sets (mode undefined: removes) an admin override and stores them all (they outlive the gateway). */
export async function saveFailModeOverride(
  store: KvStore,
  policy: FailurePolicy,
  pluginId: string,
  topic: string,
  mode: FailMode | undefined,
): Promise<void> {
  if (!pluginId) throw new PolyplugError(ErrorCode.InvalidArgument, "plugin_id is required");
  policy.setAdminOverride(pluginId, topic || "*", mode);
  await store.kvSet(NAMESPACE, KEY, Buffer.from(JSON.stringify(policy.adminOverrides()), "utf8"));
}
