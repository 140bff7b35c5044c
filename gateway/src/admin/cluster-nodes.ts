import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ClusterNodeInfo } from "../cluster/membership.js";
import { ClusterNodeSchema, NodeStatus, type ClusterNode } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { toPluginState } from "./plugin-info.js";

const statuses: Record<ClusterNodeInfo["status"], NodeStatus> = {
  alive: NodeStatus.ALIVE,
  dead: NodeStatus.DEAD,
  stopped: NodeStatus.STOPPED,
};

/** A cluster node as the Admin API describes it (GetStatus.nodes). */
export function toClusterNode(node: ClusterNodeInfo): ClusterNode {
  return create(ClusterNodeSchema, {
    nodeId: node.nodeId,
    publicUrl: node.publicUrl,
    adminUrl: node.adminUrl,
    version: node.version,
    startedAt: timestampFromMs(node.startedAt),
    lastSeen: timestampFromMs(node.lastSeen),
    status: statuses[node.status],
    plugins: node.plugins.map((plugin) => ({
      pluginId: plugin.pluginId,
      version: plugin.version,
      state: toPluginState(plugin.state),
    })),
  });
}
