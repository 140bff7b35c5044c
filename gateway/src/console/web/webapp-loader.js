// Loads plugin web bundles: imports each active plugin's module and calls its
// `register(registry)` with a registry scoped to that plugin; unregisters a plugin's
// contributions when it stops (disabled, removed, failed) and loads it again when it is
// active again. A bundle that fails to load or register is reported, never fatal.

import { stateName } from "./element.js";

/** Creates the loader; `fetchWebapps()` resolves to GET /console/webapps's list. */
export function createWebappLoader({ host, report, fetchWebapps }) {
  const loaded = new Set();
  let generation = 0;

  async function load(webapp) {
    if (loaded.has(webapp.pluginId)) return;
    loaded.add(webapp.pluginId);
    try {
      // A fresh URL per load: a re-enabled plugin starts from a fresh module.
      const module = await import(`${webapp.url}?load=${++generation}`);
      if (typeof module.register !== "function")
        throw new Error(`${webapp.url} does not export a register(registry) function`);
      if (!loaded.has(webapp.pluginId)) return; // stopped while loading
      await module.register(host.scoped(webapp.pluginId));
    } catch (error) {
      report({
        pluginId: webapp.pluginId,
        where: "web bundle",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  function unload(pluginId) {
    loaded.delete(pluginId);
    host.unregisterPlugin(pluginId);
  }

  return {
    /** Loads the bundles of active plugins and unloads those of plugins not running. */
    async sync() {
      const { webapps } = await fetchWebapps();
      await Promise.all(
        webapps.map((webapp) => {
          const state = stateName(webapp.state);
          if (state === "active" || state === "unhealthy") return load(webapp);
          if (state === "not-running" || state === "failed") unload(webapp.pluginId);
          return undefined;
        }),
      );
    },
    /** Follows a PluginStateChanged event. */
    async onStateChanged(change) {
      const state = stateName(change.state);
      if (state === "not-running" || state === "failed") unload(change.pluginId);
      else if (state === "active" && !loaded.has(change.pluginId)) await this.sync();
    },
    unload,
  };
}
