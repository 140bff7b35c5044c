// The console's entry: sign-in with the admin token, then the views (hash routes) over the
// Admin API, the live event stream and the plugin web bundles.

import { AdminError, consoleFetch, createAdminClient, signIn } from "./admin-client.js";
import { mountDashboard } from "./dashboard.js";
import { el, replaceChildren } from "./element.js";
import { mountEventFeed } from "./event-feed.js";
import { createExtensionHost } from "./extension-registry.js";
import { createLiveEvents } from "./live-events.js";
import { mountInstallPage } from "./install-page.js";
import { mountPluginPage } from "./plugin-page.js";
import { mountPluginsTable } from "./plugins-table.js";
import { createWebappLoader } from "./webapp-loader.js";

const view = document.getElementById("view");
const problems = document.getElementById("problems");

// The credential is an HttpOnly session cookie no script can read. Its CSRF key lives in
// this variable only (never in storage), so plugin bundles on this page cannot act with it;
// reloading the page asks for the token again.
let csrf;

// A login link (`/console/#token=…`) signs in once and is wiped from the address bar.
const fromLink = /^#token=([0-9a-fA-F]+)$/.exec(location.hash);
if (fromLink) history.replaceState(null, "", `${location.pathname}#/`);

const problemList = [];
/** Shows a problem (a failing plugin bundle, component or handler; a failed action) at the top of the page. */
function report({ pluginId, where, message }) {
  problemList.push(pluginId ? `${pluginId} (${where}): ${message}` : message);
  if (problemList.length > 20) problemList.shift();
  problems.hidden = false;
  replaceChildren(
    problems,
    el("strong", {}, "Problems"),
    el(
      "ul",
      {},
      problemList.map((p) => el("li", {}, p)),
    ),
  );
}

// Errors thrown later by a plugin's own code (its click handlers, timers) are attributed by script URL.
window.addEventListener("error", (event) => {
  const match = /\/console\/plugins\/([^/]+)\//.exec(event.filename ?? "");
  if (match) report({ pluginId: match[1], where: "script", message: event.message });
});

function showLogin(reason) {
  document.getElementById("nav").hidden = true;
  document.getElementById("logout").hidden = true;
  const input = el("input", {
    id: "token",
    type: "password",
    autocomplete: "off",
    placeholder: "64 hex characters",
    required: true,
  });
  const error = reason ? el("div", { class: "form-error", role: "alert" }, reason) : null;
  const form = el(
    "form",
    { class: "login", id: "login" },
    el("h1", {}, "Sign in"),
    el(
      "p",
      {},
      "Paste the admin token from ",
      el("code", {}, "<data dir>/admin-token"),
      " (",
      el("code", {}, "cat .polyplug/admin-token"),
      "). It is exchanged for a session cookie that scripts cannot read.",
    ),
    error,
    input,
    el("p", {}, el("button", { type: "submit" }, "Sign in")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void signInWith(input.value.trim());
  });
  replaceChildren(view, form);
  input.focus();
}

let session;
let client;

async function signInWith(token) {
  try {
    ({ csrf } = await signIn(token));
  } catch (error) {
    return showLogin(
      error instanceof AdminError && error.code === "unauthenticated"
        ? "The gateway refused the token."
        : `Could not sign in: ${error.message}`,
    );
  }
  await start();
}

async function start() {
  if (!csrf) return showLogin();
  client = createAdminClient({
    csrf,
    onUnauthenticated: () => signOut("The gateway refused the session; sign in again."),
  });
  let status;
  try {
    status = await client.call("GetStatus", {});
  } catch (error) {
    if (error instanceof AdminError && error.code === "unauthenticated") return;
    return showLogin(`Could not reach the Admin API: ${error.message}`);
  }
  session?.stop();
  const events = createLiveEvents(client);
  const host = createExtensionHost({ report });
  const loader = createWebappLoader({
    host,
    report,
    fetchWebapps: async () => {
      const response = await consoleFetch("/console/webapps", { credentials: "same-origin" });
      if (!response.ok) throw new Error(`GET /console/webapps: ${response.status}`);
      return response.json();
    },
  });
  events.subscribe((event) => {
    if (event.stateChanged) void loader.onStateChanged(event.stateChanged);
    const published = event.pluginEvent;
    if (published?.event?.startsWith(`${published.pluginId}.`)) {
      host.dispatchEvent(
        published.pluginId,
        published.event.slice(published.pluginId.length + 1),
        published.payload ?? {},
        published,
      );
    }
  });
  events.start();
  await loader
    .sync()
    .catch((error) => report({ where: "console", message: `could not load plugin web bundles: ${error.message}` }));
  const context = { client, events, host, notify: (message) => report({ message }) };
  let unmount = () => {};
  const route = () => {
    unmount();
    const [, page, id] = location.hash.replace(/^#/, "").split("/");
    for (const link of document.querySelectorAll("#nav a"))
      link.classList.toggle("current", link.getAttribute("href") === `#/${page ?? ""}`);
    if (page === "plugins" && id) unmount = mountPluginPage(view, { ...context, pluginId: decodeURIComponent(id) });
    else if (page === "plugins") unmount = mountPluginsTable(view, context);
    else if (page === "events") unmount = mountEventFeed(view, context);
    else if (page === "install") unmount = mountInstallPage(view, context);
    else unmount = mountDashboard(view, context);
  };
  window.addEventListener("hashchange", route);
  session = {
    stop() {
      window.removeEventListener("hashchange", route);
      unmount();
      events.stop();
    },
  };
  document.getElementById("nav").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("gateway-info").textContent = `gateway ${status.version} · public API ${status.publicUrl}`;
  route();
}

function signOut(reason) {
  session?.stop();
  session = undefined;
  void client?.signOut();
  client = undefined;
  csrf = undefined;
  showLogin(reason);
}

document.getElementById("logout").addEventListener("click", () => signOut());
if (fromLink) void signInWith(fromLink[1]);
else void start();
