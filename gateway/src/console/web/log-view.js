// Live logs of one plugin: StreamLogs with the recent tail, then follow.

import { el, formatTime, replaceChildren } from "./element.js";

const LEVELS = {
  LOG_LEVEL_TRACE: 10,
  LOG_LEVEL_DEBUG: 20,
  LOG_LEVEL_INFO: 30,
  LOG_LEVEL_WARN: 40,
  LOG_LEVEL_ERROR: 50,
};
const MAX_LINES = 500;

/** Streams `pluginId`'s logs into `container`; returns the function that stops the stream. */
export function mountLogView(container, { client, pluginId }) {
  const pre = el("div", { class: "logs", id: "plugin-logs", "aria-live": "off" });
  const state = el("div", { class: "muted" }, "connecting…");
  replaceChildren(container, pre, state);
  const controller = new AbortController();
  const append = (record) => {
    const time = formatTime(record.time);
    const level = String(record.level ?? "")
      .replace(/^LOG_LEVEL_/, "")
      .toLowerCase();
    const fields = record.fields && Object.keys(record.fields).length ? ` ${JSON.stringify(record.fields)}` : "";
    pre.append(
      el(
        "div",
        { class: `log-line level-${LEVELS[record.level] ?? 30}` },
        `${time} ${level.padEnd(5)} ${record.msg ?? ""}${fields}`,
      ),
    );
    while (pre.childElementCount > MAX_LINES) pre.firstElementChild.remove();
    pre.scrollTop = pre.scrollHeight;
  };
  (async () => {
    while (!controller.signal.aborted) {
      try {
        state.textContent = "live";
        await client.stream("StreamLogs", { pluginId, follow: true, tail: 100 }, append, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return;
        // A plugin that does not exist will not appear by retrying: say so and stop.
        if (error.code === "not_found") {
          state.textContent = `no logs: ${error.message}`;
          return;
        }
        state.textContent = `log stream dropped (${error.message}); reconnecting…`;
        if (error.code === "unauthenticated" || error.code === "failed_precondition") return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      replaceChildren(pre);
    }
  })();
  return () => controller.abort();
}
