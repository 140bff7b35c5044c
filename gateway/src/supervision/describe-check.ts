import { ErrorCode, PolyplugError } from "../errors.js";
import { TOPIC_PATTERN } from "@polyplug/sdk/internal/topics.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { isCommandName } from "@polyplug/sdk/internal/contract/names.js";
import { Hook, type DescribeResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";

function fail(pluginId: string, what: string): never {
  throw new PolyplugError(
    ErrorCode.FailedPrecondition,
    `plugin ${pluginId} answered Describe with an invalid description: ${what}`,
  );
}

function checkList(pluginId: string, name: string, values: readonly string[], valid: (value: string) => boolean): void {
  if (values.length > LIMITS.describeEntries)
    fail(pluginId, `${values.length} ${name}, at most ${LIMITS.describeEntries} are allowed`);
  const seen = new Set<string>();
  for (const value of values) {
    if (!valid(value)) fail(pluginId, `${name} entry ${JSON.stringify(value.slice(0, 100))} breaks its pattern`);
    if (seen.has(value)) fail(pluginId, `${name} lists ${JSON.stringify(value)} twice`);
    seen.add(value);
  }
}

/**
 * Checks a Describe answer against the manifest id and the contract's rules: names match
 * their patterns, no duplicates, no topics/commands/routes without their hook. The gateway
 * refuses to start a plugin whose description fails.
 */
export function checkDescription(description: DescribeResponse, manifestId: string): void {
  if (description.pluginId !== manifestId) {
    fail(
      manifestId,
      `plugin id ${JSON.stringify(description.pluginId)} is not the manifest's ${JSON.stringify(manifestId)}`,
    );
  }
  const hooks = new Set(description.implementedHooks);
  checkList(manifestId, "intercept_topics", description.interceptTopics, (t) => TOPIC_PATTERN.test(t));
  checkList(manifestId, "notify_topics", description.notifyTopics, (t) => TOPIC_PATTERN.test(t));
  checkList(
    manifestId,
    "commands",
    description.commands.map((c) => c.name),
    isCommandName,
  );
  checkList(
    manifestId,
    "http_routes",
    description.httpRoutes.map((r) => `${r.method} ${r.pathPrefix}`),
    (r) => /^(\*|[A-Z]+) (\/\S*)?$/.test(r),
  );
  const needs: Array<[boolean, Hook, string]> = [
    [description.interceptTopics.length > 0, Hook.INTERCEPT, "intercept_topics"],
    [description.notifyTopics.length > 0, Hook.NOTIFY, "notify_topics"],
    [description.commands.length > 0, Hook.EXECUTE_COMMAND, "commands"],
    [description.httpRoutes.length > 0, Hook.SERVE_HTTP, "http_routes"],
  ];
  for (const [listed, hook, name] of needs) {
    if (listed && !hooks.has(hook)) fail(manifestId, `it lists ${name} but not HOOK_${Hook[hook]}`);
  }
}
