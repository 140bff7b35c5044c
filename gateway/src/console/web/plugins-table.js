// The plugins table: state, health, version, restarts, hook latency, and the enable /
// disable / restart buttons, plus the `plugins-table.action` contributions of each plugin.

import { el, replaceChildren, stateName } from "./element.js";

const HOOK_NAMES = {
  HOOK_INTERCEPT: "intercept",
  HOOK_NOTIFY: "notify",
  HOOK_EXECUTE_COMMAND: "command",
  HOOK_SERVE_HTTP: "http",
};
const ms = (value) => `${Number(value ?? 0) < 10 ? Number(value ?? 0).toFixed(1) : Math.round(Number(value ?? 0))} ms`;

function health(plugin) {
  const health = healthText(plugin);
  const blocking = plugin.blockingTopics ?? [];
  if (blocking.length === 0) return health;
  // A fail-closed plugin that is down rejects every event on these topics (Admin: blocking_topics).
  return [
    health,
    el(
      "div",
      {
        class: "form-error blocking",
        title: "fail-closed: events on these topics are rejected until the plugin is active again",
      },
      `rejecting ${blocking.join(", ")}`,
    ),
  ];
}

function healthText(plugin) {
  const state = stateName(plugin.state);
  if (state === "active") return el("span", {}, "healthy");
  if (state === "unhealthy") return el("span", { title: plugin.lastError?.message ?? "" }, "failing checks");
  if (plugin.lastError) return el("span", { title: plugin.lastError.message }, `last error: ${plugin.lastError.code}`);
  return el("span", { class: "muted" }, "—");
}

function latency(plugin) {
  const rows = (plugin.latency ?? []).filter((l) => Number(l.calls ?? 0) > 0);
  if (rows.length === 0) return el("span", { class: "muted" }, "no calls yet");
  return rows.map((l) =>
    el(
      "div",
      { class: "latency", dataset: { hook: HOOK_NAMES[l.hook] ?? l.hook } },
      `${HOOK_NAMES[l.hook] ?? l.hook}: p50 ${ms(l.p50Ms)} · p99 ${ms(l.p99Ms)} · ${l.calls} calls${Number(l.failures ?? 0) ? `, ${l.failures} failed` : ""}`,
    ),
  );
}

/**
 * Renders the table into `container` and keeps it current (events and a 5 s poll).
 * Returns the function that stops it.
 */
export function mountPluginsTable(container, { client, events, host, notify }) {
  const tbody = el("tbody");
  const status = el("p", { class: "muted" }, "Loading plugins…");
  replaceChildren(
    container,
    el("h1", {}, "Plugins"),
    status,
    el(
      "table",
      { id: "plugins-table" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["Plugin", "Version", "State", "Health", "Restarts", "Hook latency", "Actions"].map((h) => el("th", {}, h)),
        ),
      ),
      tbody,
    ),
  );
  let plugins = [];
  let stopped = false;
  const busy = new Set();

  const act = async (method, plugin) => {
    busy.add(plugin.id);
    render();
    try {
      await client.call(method, { pluginId: plugin.id });
    } catch (error) {
      notify(`${method} ${plugin.id} failed: ${error.message}`);
    } finally {
      busy.delete(plugin.id);
      await refresh();
    }
  };

  function render() {
    replaceChildren(
      tbody,
      plugins.map((plugin) => {
        const state = stateName(plugin.state);
        const disabled = busy.has(plugin.id);
        const actions = el("span", { class: "plugin-actions" });
        host.renderLocation("plugins-table.action", actions, { plugin }, plugin.id);
        return el(
          "tr",
          { dataset: { pluginId: plugin.id, state } },
          el(
            "td",
            {},
            el("a", { href: `#/plugins/${plugin.id}` }, plugin.name || plugin.id),
            el("div", { class: "muted" }, plugin.id),
          ),
          el("td", {}, plugin.version),
          el(
            "td",
            {},
            el("span", { class: `state state-${state}` }, state),
            plugin.enabled ? null : el("div", { class: "muted" }, "disabled"),
          ),
          el("td", {}, health(plugin)),
          el("td", { class: "restarts" }, String(plugin.restarts ?? 0)),
          el("td", {}, latency(plugin)),
          el(
            "td",
            {},
            plugin.enabled
              ? el(
                  "button",
                  {
                    type: "button",
                    dataset: { action: "disable" },
                    disabled,
                    onclick: () => act("DisablePlugin", plugin),
                  },
                  "Disable",
                )
              : el(
                  "button",
                  {
                    type: "button",
                    dataset: { action: "enable" },
                    disabled,
                    onclick: () => act("EnablePlugin", plugin),
                  },
                  "Enable",
                ),
            el(
              "button",
              {
                type: "button",
                dataset: { action: "restart" },
                disabled: disabled || !plugin.enabled,
                onclick: () => act("RestartPlugin", plugin),
              },
              "Restart",
            ),
            actions,
          ),
        );
      }),
    );
  }

  async function refresh() {
    try {
      const answer = await client.call("ListPlugins", {});
      if (stopped) return;
      plugins = answer.plugins ?? [];
      status.textContent = `${plugins.length} plugins`;
      render();
    } catch (error) {
      status.textContent = `Could not list plugins: ${error.message}`;
    }
  }

  let pending;
  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  };
  const offEvents = events.subscribe((event) => (event.stateChanged || event.installed || event.removed) && soon());
  const offHost = host.onChange(render);
  const poll = setInterval(refresh, 5000);
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(pending);
    clearInterval(poll);
    offEvents();
    offHost();
  };
}
