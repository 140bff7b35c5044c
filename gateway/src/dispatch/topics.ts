/** A subscription topic pattern: dot-separated words of a-z, 0-9, _ and -, optionally ending in `.*`, or `*` alone. */
export const TOPIC_PATTERN = /^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/;

/**
 * True when `pattern` (an exact topic, `prefix.*`, or `*`) matches `topic`.
 * `a.*` matches `a.b` and `a.b.c` but not `a` itself.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

/** True when any of `patterns` matches `topic`. */
export function anyTopicMatches(patterns: readonly string[], topic: string): boolean {
  return patterns.some((pattern) => topicMatches(pattern, topic));
}

const topicName = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** True when `topic` is a concrete topic name an application may fire. */
export function isTopicName(topic: string): boolean {
  return topic.length <= 256 && topicName.test(topic);
}
