// The membership plugin's console bundle: a dashboard widget with the latest member count
// of each channel, updated live from the plugin's `changed` events.

/** Called by the console with a registry scoped to this plugin. */
export function register(registry) {
  const counts = new Map();
  const views = new Set();
  const paint = () => {
    for (const list of views) {
      list.replaceChildren();
      if (counts.size === 0) list.textContent = "No membership changes seen yet.";
      for (const [channel, count] of counts) {
        const item = document.createElement("li");
        item.className = "membership-count";
        item.textContent = `${channel}: ${count} member${count === 1 ? "" : "s"}`;
        list.append(item);
      }
    }
  };

  registry.registerComponent("dashboard.widget", (container) => {
    const title = document.createElement("h3");
    title.textContent = "Channel membership";
    title.style.cssText = "margin:0 0 .4rem;font-size:.95rem";
    const list = document.createElement("ul");
    container.append(title, list);
    views.add(list);
    paint();
    return () => views.delete(list);
  });

  registry.onEvent("changed", (payload) => {
    counts.set(String(payload.channel_id), Number(payload.count));
    paint();
  });
}
