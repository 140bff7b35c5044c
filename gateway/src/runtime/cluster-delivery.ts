import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { newHookContext } from "../supervision/hook-context.js";
import type { PluginTable } from "./plugin-table.js";

/**
 * Delivers a plugin's cluster message (PublishClusterMessage on another node) to the
 * local copy through OnClusterMessage: only when it is active and implements the hook;
 * not awaited by the sender, failures logged only.
 */
export function createClusterDelivery(table: PluginTable, logger: Logger, timeoutMs: number) {
  return (pluginId: string, topic: string, payload: JsonObject, fromNodeId: string): void => {
    const active = table.get(pluginId);
    if (!active?.session.implements(Hook.CLUSTER_MESSAGE)) return;
    const context = newHookContext({ pluginId, timeoutMs });
    active.session.rpc
      .onClusterMessage({ context, topic, payload, fromNodeId }, { deadline: timeoutMs })
      .then(
        (answer) =>
          answer.error &&
          logger.warn({ pluginId, topic, err: answer.error.message }, "plugin failed to handle a cluster message"),
      )
      .catch((error: unknown) =>
        logger.warn({ pluginId, topic, err: PolyplugError.from(error).message }, "could not deliver a cluster message"),
      );
  };
}
