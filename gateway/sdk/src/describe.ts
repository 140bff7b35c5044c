import type { MessageInitShape } from "@bufbuild/protobuf";
import { Hook, type DescribeResponseSchema } from "./gen/polyplug/v1/plugin_pb.js";
import type { PluginDefinition } from "./define-plugin.js";
import { SDK_NAME, SDK_VERSION } from "./version.js";

/**
 * Describe's answer, computed from the definition. Activate and Deactivate are always
 * implemented (the SDK connects the GatewayAPI in Activate); the other hooks follow from
 * what was declared.
 */
export function describePlugin(definition: PluginDefinition): MessageInitShape<typeof DescribeResponseSchema> {
  const hooks = [Hook.ACTIVATE, Hook.DEACTIVATE];
  const interceptTopics = Object.keys(definition.intercept ?? {});
  const notifyTopics = Object.keys(definition.notify ?? {});
  const commands = Object.entries(definition.commands ?? {});
  const routes = definition.http ?? [];
  if (definition.onConfigurationChanged) hooks.push(Hook.CONFIGURATION_CHANGED);
  if (interceptTopics.length > 0) hooks.push(Hook.INTERCEPT);
  if (notifyTopics.length > 0) hooks.push(Hook.NOTIFY);
  if (routes.length > 0) hooks.push(Hook.SERVE_HTTP);
  if (commands.length > 0) hooks.push(Hook.EXECUTE_COMMAND);
  if (definition.onClusterMessage) hooks.push(Hook.CLUSTER_MESSAGE);
  return {
    pluginId: definition.id,
    version: definition.version,
    sdk: { name: SDK_NAME, version: SDK_VERSION },
    implementedHooks: hooks,
    interceptTopics,
    notifyTopics,
    commands: commands.map(([name, command]) => ({
      name,
      description: command.description ?? "",
      usage: command.usage ?? "",
    })),
    httpRoutes: routes.map((route) => ({ method: route.method ?? "*", pathPrefix: route.pathPrefix })),
  };
}
