import type { JsonObject } from "@bufbuild/protobuf";

import type { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import { checkStructSize, invalidArgument } from "./request-checks.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { TOPIC_NAME_RULE, isEventName } from "@polyplug/sdk/internal/contract/names.js";

type ClusterHandlers = Required<Pick<RpcHandlers<typeof GatewayAPI>, "publishClusterMessage">>;

/** How a plugin's cluster messages leave this gateway. */
export interface ClusterMessageSender {
  /** Sends to the plugin's copies on the other nodes; resolves once the cluster accepted it (a no-op without a cluster). */
  send(topic: string, payload: JsonObject): Promise<void>;
}

/**
 * GatewayAPI.PublishClusterMessage (the `cluster` capability is checked with the others, in
 * permissions.ts): INVALID_ARGUMENT for a topic outside `[a-z0-9_.-]{1,128}`, RESOURCE_EXHAUSTED for a
 * payload over 1 MiB; otherwise hands the message to the cluster (UNAVAILABLE when the
 * shared database cannot take it).
 */
export function createClusterMessageHandler(sender: ClusterMessageSender): ClusterHandlers {
  return {
    async publishClusterMessage(request) {
      if (!isEventName(request.topic)) {
        throw invalidArgument(
          "topic",
          `must match ${TOPIC_NAME_RULE}, got ${JSON.stringify(request.topic.slice(0, 140))}`,
        );
      }
      checkStructSize("payload", request.payload, "cluster message payload", LIMITS.clusterMessageBytes);
      await sender.send(request.topic, request.payload ?? {});
      return {};
    },
  };
}
