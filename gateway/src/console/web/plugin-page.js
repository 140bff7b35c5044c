// One plugin's page: facts, the settings form, live logs and the `plugin-page.panel`
// contributions of that plugin.

import { el, replaceChildren, stateName } from "./element.js";
import { mountLogView } from "./log-view.js";
import { mountSettingsForm } from "./settings-form.js";

/** Renders the page of `pluginId` into `container`; returns the function that stops it. */
export function mountPluginPage(container, { client, events, host, pluginId }) {
  const facts = el("div", { id: "plugin-facts" }, "Loading…");
  const panels = el("div", { class: "cards", id: "plugin-panels" });
  const settings = el("div");
  const logs = el("div");
  replaceChildren(container,
    el("p", {}, el("a", { href: "#/plugins" }, "← Plugins")),
    el("h1", {}, pluginId), facts, panels,
    el("div", { class: "columns" }, el("section", {}, el("h2", {}, "Settings"), settings), el("section", {}, el("h2", {}, "Logs"), logs)));

  const refresh = async () => {
    try {
      const { plugin } = await client.call("GetPlugin", { pluginId });
      replaceChildren(facts,
        el("p", {}, `${plugin.name} ${plugin.version} — `, el("span", { class: `state state-${stateName(plugin.state)}` }, stateName(plugin.state)),
          plugin.pid ? ` pid ${plugin.pid}` : "", ` · restarts ${plugin.restarts ?? 0}`, plugin.enabled ? "" : " · disabled"),
        plugin.lastError ? el("pre", { class: "form-error" }, `${plugin.lastError.code}: ${plugin.lastError.message}`) : null,
        el("p", { class: "muted" }, `Folder ${plugin.dir}`));
    } catch (error) {
      replaceChildren(facts, el("div", { class: "form-error" }, error.message));
    }
  };
  const renderPanels = () => host.renderLocation("plugin-page.panel", panels, {}, pluginId);
  renderPanels();
  void refresh();
  void mountSettingsForm(settings, { client, pluginId });
  const stopLogs = mountLogView(logs, { client, pluginId });
  const offHost = host.onChange(renderPanels);
  const offEvents = events.subscribe((event) => event.stateChanged?.pluginId === pluginId && refresh());
  return () => {
    stopLogs();
    offHost();
    offEvents();
  };
}
