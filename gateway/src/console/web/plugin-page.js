// One plugin's page: facts, its last error (when, and whether it recovered since), the
// enable / disable / restart / remove actions, the settings form, live logs and the
// `plugin-page.panel` contributions of that plugin. An unknown id says so and stops.

import { el, formatTime, replaceChildren, stateName } from "./element.js";
import { mountLogView } from "./log-view.js";
import { mountSettingsForm } from "./settings-form.js";

/** True when the plugin became active after its last error: the error is history. */
function recovered(plugin) {
  const errorAt = Date.parse(plugin.lastError?.at ?? "");
  const activeAt = Date.parse(plugin.activeSince ?? "");
  return stateName(plugin.state) === "active" && errorAt > 0 && activeAt >= errorAt;
}

function lastError(plugin) {
  if (!plugin.lastError) return null;
  const when = formatTime(plugin.lastError.at);
  const note = recovered(plugin) ? `recovered: active since ${formatTime(plugin.activeSince)}` : "not recovered since";
  return el(
    "div",
    { class: `last-error${recovered(plugin) ? " recovered" : ""}`, id: "plugin-last-error" },
    el("div", { class: "muted" }, `Last error${when ? ` at ${when}` : ""} — ${note}`),
    el(
      "pre",
      { class: recovered(plugin) ? "error-text" : "error-text form-error" },
      `${plugin.lastError.code}: ${plugin.lastError.message}`,
    ),
  );
}

/** Renders the page of `pluginId` into `container`; returns the function that stops it. */
export function mountPluginPage(container, { client, events, host, pluginId, notify }) {
  const facts = el("div", { id: "plugin-facts" }, "Loading…");
  const actions = el("p", { class: "plugin-actions", id: "plugin-actions" });
  const panels = el("div", { class: "cards", id: "plugin-panels" });
  const settings = el("div");
  const logs = el("div");
  replaceChildren(
    container,
    el("p", {}, el("a", { href: "#/plugins" }, "← Plugins")),
    el("h1", {}, pluginId),
    facts,
    actions,
    panels,
    el(
      "div",
      { class: "columns" },
      el("section", {}, el("h2", {}, "Settings"), settings),
      el("section", {}, el("h2", {}, "Logs"), logs),
    ),
  );

  let stopped = false;
  let busy = false;
  let stopLogs = () => {};
  let offEvents = () => {};
  let offHost = () => {};

  const act = async (method, label) => {
    busy = true;
    try {
      await client.call(method, { pluginId });
      if (method === "RemovePlugin") {
        location.hash = "#/plugins";
        return;
      }
    } catch (error) {
      notify?.(`${label} ${pluginId} failed: ${error.message}`);
    } finally {
      busy = false;
      if (!stopped) await refresh();
    }
  };

  const renderActions = (plugin) => {
    const button = (action, method, label, disabled = false) =>
      el(
        "button",
        { type: "button", dataset: { action }, disabled: busy || disabled, onclick: () => act(method, label) },
        label,
      );
    replaceChildren(
      actions,
      plugin.enabled ? button("disable", "DisablePlugin", "Disable") : button("enable", "EnablePlugin", "Enable"),
      button("restart", "RestartPlugin", "Restart", !plugin.enabled),
      // Only installed (bundle) plugins can be removed; folder plugins belong to their folder.
      plugin.managed
        ? button("remove", "RemovePlugin", "Remove")
        : el("span", { class: "muted" }, "from a plugins folder: remove it there"),
    );
  };

  async function refresh() {
    try {
      const { plugin } = await client.call("GetPlugin", { pluginId });
      if (stopped) return;
      replaceChildren(
        facts,
        el(
          "p",
          {},
          `${plugin.name} ${plugin.version} — `,
          el("span", { class: `state state-${stateName(plugin.state)}` }, stateName(plugin.state)),
          plugin.pid ? ` pid ${plugin.pid}` : "",
          ` · restarts ${plugin.restarts ?? 0}`,
          plugin.enabled ? "" : " · disabled",
          plugin.managed ? " · installed bundle" : "",
        ),
        lastError(plugin),
        el("p", { class: "muted" }, `Folder ${plugin.dir}`),
      );
      renderActions(plugin);
      return true;
    } catch (error) {
      if (stopped) return;
      if (error.code === "not_found") {
        replaceChildren(
          container,
          el("p", {}, el("a", { href: "#/plugins" }, "← Plugins")),
          el("h1", {}, pluginId),
          el(
            "p",
            { class: "form-error", id: "plugin-missing" },
            `There is no plugin "${pluginId}" on this gateway. It may have been removed; the Plugins page lists the ones there are.`,
          ),
        );
        teardown();
        return false;
      }
      replaceChildren(facts, el("div", { class: "form-error" }, error.message));
      return true;
    }
  }

  function teardown() {
    stopLogs();
    offHost();
    offEvents();
  }

  const renderPanels = () => host.renderLocation("plugin-page.panel", panels, {}, pluginId);
  void refresh().then((exists) => {
    if (!exists || stopped) return;
    renderPanels();
    void mountSettingsForm(settings, { client, pluginId });
    stopLogs = mountLogView(logs, { client, pluginId });
    offHost = host.onChange(renderPanels);
    offEvents = events.subscribe(
      (event) => (event.stateChanged?.pluginId === pluginId || event.removed?.pluginId === pluginId) && refresh(),
    );
  });
  return () => {
    stopped = true;
    teardown();
  };
}
