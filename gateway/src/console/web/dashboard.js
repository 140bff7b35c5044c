// The dashboard: plugin counts by state, the cluster's nodes, the `dashboard.widget` contributions of every
// plugin side by side, and the live event feed.

import { el, replaceChildren, stateName } from "./element.js";
import { mountEventFeed } from "./event-feed.js";
import { nodesTable } from "./nodes-table.js";

/** How often the nodes table is re-read (heartbeats are not events). */
const NODES_REFRESH_MS = 5000;

/** Renders the dashboard into `container`; returns the function that stops it. */
export function mountDashboard(container, { client, events, host }) {
  const summary = el("p", { class: "muted", id: "state-summary" }, "…");
  const widgets = el("div", { class: "cards", id: "dashboard-widgets" });
  const feed = el("section");
  const nodes = el("div", { id: "dashboard-nodes" });
  replaceChildren(
    container,
    el("h1", {}, "Dashboard"),
    summary,
    el("h2", {}, "Nodes"),
    nodes,
    el("h2", {}, "Widgets"),
    widgets,
    feed,
  );
  const renderWidgets = () => {
    host.renderLocation("dashboard.widget", widgets, {});
    if (widgets.childElementCount === 0) widgets.append(el("p", { class: "muted" }, "No plugin contributes a widget."));
  };
  const refresh = async () => {
    try {
      const { plugins = [] } = await client.call("ListPlugins", {});
      const counts = {};
      for (const plugin of plugins) counts[stateName(plugin.state)] = (counts[stateName(plugin.state)] ?? 0) + 1;
      summary.textContent = `${plugins.length} plugins: ${
        Object.entries(counts)
          .map(([state, n]) => `${n} ${state}`)
          .join(", ") || "none"
      }`;
    } catch (error) {
      summary.textContent = `Could not list plugins: ${error.message}`;
    }
  };
  const refreshNodes = async () => {
    try {
      const status = await client.call("GetStatus", {});
      replaceChildren(nodes, nodesTable(status.nodes ?? [], status.nodeId));
    } catch (error) {
      replaceChildren(nodes, el("p", { class: "muted" }, `Could not read the nodes: ${error.message}`));
    }
  };
  const nodesTimer = setInterval(() => void refreshNodes(), NODES_REFRESH_MS);
  renderWidgets();
  void refresh();
  void refreshNodes();
  const offHost = host.onChange(renderWidgets);
  const offEvents = events.subscribe((event) => event.stateChanged && refresh());
  const stopFeed = mountEventFeed(feed, { events });
  return () => {
    clearInterval(nodesTimer);
    offHost();
    offEvents();
    stopFeed();
  };
}
