// The contract's name rules (proto/README.md §9 "Limits", common.proto LIMITS, plugin.proto
// field comments). Each rule is written once, as the character-class text that error messages
// quote and the anchored pattern built from it, so message and check cannot drift apart.
// The Go and Python SDKs keep their own copies of these rules (other languages).

/** Topic names an application fires and plugins subscribe to exactly (§9 "Topic name"). */
export const TOPIC_NAME_RULE = "[a-z0-9_.-]{1,128}";
/** Anchored {@link TOPIC_NAME_RULE}. Subscription patterns (`prefix.*`, `*`) live in `topics.ts`. */
export const TOPIC_NAME_PATTERN = new RegExp(`^${TOPIC_NAME_RULE}$`);

// PublishEvent event names (without the plugin prefix) and cluster-message topics (§9 "Event
// name") follow the topic rule: TOPIC_NAME_RULE / TOPIC_NAME_PATTERN, checked by isEventName.

/** Command names, without a leading slash (§9 "Command name"). */
export const COMMAND_NAME_RULE = "[a-z0-9_-]{1,64}";
/** Anchored {@link COMMAND_NAME_RULE}. */
export const COMMAND_NAME_PATTERN = new RegExp(`^${COMMAND_NAME_RULE}$`);

/** Plugin ids, as in the manifest and DescribeResponse.plugin_id (plugin.proto). */
export const PLUGIN_ID_RULE = "[a-zA-Z0-9_.-]{3,190}";
/** Anchored {@link PLUGIN_ID_RULE}. */
export const PLUGIN_ID_PATTERN = new RegExp(`^${PLUGIN_ID_RULE}$`);

/** InterceptReject.code: machine-readable, may be empty (plugin.proto). */
export const REJECT_CODE_RULE = "[a-z0-9_.-]{0,64}";
/** Anchored {@link REJECT_CODE_RULE}. */
export const REJECT_CODE_PATTERN = new RegExp(`^${REJECT_CODE_RULE}$`);

/** True when `name` is a valid command name. */
export function isCommandName(name: string): boolean {
  return COMMAND_NAME_PATTERN.test(name);
}

/** True when `id` is a valid plugin id. */
export function isPluginId(id: string): boolean {
  return PLUGIN_ID_PATTERN.test(id);
}

/** True when `name` is a valid PublishEvent event name or cluster-message topic. */
export function isEventName(name: string): boolean {
  return TOPIC_NAME_PATTERN.test(name);
}
