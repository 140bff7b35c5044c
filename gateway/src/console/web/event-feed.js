// The live feed of gateway events (StreamEvents): state changes, installs, removals,
// configuration changes, command conflicts and the events plugins publish.

import { el, formatTime, replaceChildren, stateName } from "./element.js";

/** One line of text describing an AdminStreamEventsResponse. */
export function describeEvent(event) {
  if (event.stateChanged) {
    const s = event.stateChanged;
    return `${s.pluginId} → ${stateName(s.state)}${s.pid ? ` (pid ${s.pid})` : ""}${s.lastError ? `: ${s.lastError.message.split("\n")[0]}` : ""}`;
  }
  if (event.installed)
    return `${event.installed.pluginId} ${event.installed.version} installed${event.installed.previousVersion ? ` (was ${event.installed.previousVersion})` : ""}`;
  if (event.removed) return `${event.removed.pluginId} ${event.removed.version} removed`;
  if (event.configChanged)
    return `${event.configChanged.pluginId} configuration changed (${(event.configChanged.changedKeys ?? []).join(", ")})`;
  if (event.commandConflict)
    return `/${event.commandConflict.command} claimed by ${(event.commandConflict.pluginIds ?? []).join(", ")}`;
  if (event.pluginEvent) return `${event.pluginEvent.event} ${JSON.stringify(event.pluginEvent.payload ?? {})}`;
  return JSON.stringify(event);
}

/** Renders the feed (recent events, then live ones) into `container`; returns the function that stops it. */
export function mountEventFeed(container, { events, limit = 200 }) {
  const feed = el("div", { class: "feed", id: "event-feed" });
  const status = el("span", { class: "muted" });
  const placeholder = el(
    "div",
    { class: "event-placeholder", id: "event-placeholder" },
    "No events yet: plugin state changes, installs, configuration changes and the events plugins publish appear here (the gateway keeps the last 100).",
  );
  replaceChildren(container, el("h2", {}, "Live events ", status), feed);
  feed.append(placeholder);
  const add = (event) => {
    placeholder.remove();
    feed.prepend(el("div", { class: "event-line" }, `${formatTime(event.time)} ${describeEvent(event)}`));
    while (feed.childElementCount > limit) feed.lastElementChild.remove();
  };
  events.recent().forEach(add);
  const off = events.subscribe(add);
  const offStatus = events.onStatus(
    (connected) =>
      (status.textContent = connected ? "(live)" : events.loaded?.() ? "(reconnecting…)" : "(connecting…)"),
  );
  return () => {
    off();
    offStatus();
  };
}
