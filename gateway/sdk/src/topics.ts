import { TOPIC_NAME_PATTERN } from "./contract/names.js";

/** A subscription topic pattern: an exact topic name, `prefix.*` (128 characters at most), or `*` alone. */
export const TOPIC_PATTERN = /^(\*|[a-z0-9_.-]{1,128}|[a-z0-9_.-]{1,126}\.\*)$/;

/**
 * True when `pattern` (an exact topic, `prefix.*`, or `*`) matches `topic`.
 * `a.*` matches `a.b` and `a.b.c` but not `a` itself.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === "*") return true;
  // `prefix.*` needs at least one character after `prefix.`.
  if (pattern.endsWith(".*")) return topic.length >= pattern.length && topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

/** True when any of `patterns` matches `topic`. */
export function anyTopicMatches(patterns: readonly string[], topic: string): boolean {
  return patterns.some((pattern) => topicMatches(pattern, topic));
}

/** True when `topic` is a concrete topic name an application may fire. */
export function isTopicName(topic: string): boolean {
  return TOPIC_NAME_PATTERN.test(topic);
}
