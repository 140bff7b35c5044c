// The cluster's nodes (GetStatus.nodes): one row each with its liveness, last heartbeat and
// each plugin's state on it. A gateway on SQLite lists itself alone.

import { el, stateName } from "./element.js";

/** "NODE_STATUS_DEAD" → "dead". */
const nodeStatus = (status) =>
  String(status ?? "")
    .replace(/^NODE_STATUS_/, "")
    .toLowerCase();

/** The nodes table; `self` is the id of the node this console talks to. */
export function nodesTable(nodes, self) {
  const rows = nodes.map((node) =>
    el(
      "tr",
      { "data-node": node.nodeId },
      el("td", {}, node.nodeId === self ? `${node.nodeId} (this node)` : node.nodeId),
      el("td", { class: nodeStatus(node.status) === "alive" ? "" : "form-error" }, nodeStatus(node.status)),
      el("td", {}, node.publicUrl ?? ""),
      el("td", {}, node.lastSeen ? new Date(node.lastSeen).toLocaleTimeString() : "-"),
      el(
        "td",
        {},
        (node.plugins ?? []).map((p) => `${p.pluginId}@${p.version}: ${stateName(p.state)}`).join(", ") || "-",
      ),
    ),
  );
  return el(
    "table",
    { id: "nodes-table" },
    el(
      "thead",
      {},
      el("tr", {}, ...["Node", "Status", "Public URL", "Last heartbeat", "Plugins"].map((h) => el("th", {}, h))),
    ),
    el("tbody", {}, ...rows),
  );
}
