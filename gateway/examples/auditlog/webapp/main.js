// The audit log's console bundle: a dashboard widget that counts the `audit.recorded`
// events the plugin announces while the console is open, and shows the latest one.

/** Called by the console with a registry scoped to this plugin. */
export function register(registry) {
  let count = 0;
  let latest = "none yet";
  const views = new Set();
  const paint = () => {
    for (const view of views) {
      view.count.textContent = String(count);
      view.latest.textContent = latest;
    }
  };

  registry.registerComponent("dashboard.widget", (container) => {
    const title = document.createElement("h3");
    title.textContent = "Audit log";
    title.style.cssText = "margin:0 0 .4rem;font-size:.95rem";
    const count = document.createElement("strong");
    count.className = "audit-count";
    const latest = document.createElement("div");
    latest.className = "audit-latest";
    const line = document.createElement("div");
    line.append(count, " events recorded since this page opened");
    container.append(title, line, latest);
    const view = { count, latest };
    views.add(view);
    paint();
    return () => views.delete(view);
  });

  registry.onEvent("audit.recorded", (payload) => {
    count += 1;
    latest = `latest: #${payload.seq} ${payload.topic}`;
    paint();
  });
}
