// The console's extension points. Each plugin web bundle gets a registry scoped to its
// plugin: it adds components to named locations and handles its own server events. Every
// contribution renders in its own container (a shadow root, so styles do not leak either
// way); whatever it throws is caught, shown in place as an error box and reported, and the
// other contributions and the console carry on. Plugins add; they never replace.

/** The named locations plugins can contribute components to. */
export const LOCATIONS = Object.freeze(["plugin-page.panel", "plugins-table.action", "dashboard.widget"]);

const describe = (error) => (error instanceof Error ? error.message : String(error));

/**
 * Creates the extension host. `report({ pluginId, where, message })` is told about every
 * failure of a plugin's bundle, component or handler.
 */
export function createExtensionHost({ report }) {
  /** pluginId → { components: [{ location, render }], handlers: Map<eventName, Set<handler>>, revoked } */
  const plugins = new Map();
  const changeListeners = new Set();
  const cleanups = new WeakMap();
  const changed = () => {
    for (const listener of changeListeners) listener();
  };

  function entryOf(pluginId) {
    let entry = plugins.get(pluginId);
    if (!entry) {
      entry = { components: [], handlers: new Map(), revoked: false };
      plugins.set(pluginId, entry);
    }
    return entry;
  }

  /** The registry handed to one plugin's `register(registry)`; it can only touch that plugin's contributions. */
  function scoped(pluginId) {
    const entry = entryOf(pluginId);
    const alive = () => {
      if (entry.revoked) throw new Error(`the console registry of ${pluginId} was revoked (the plugin is disabled)`);
    };
    return Object.freeze({
      pluginId,
      locations: LOCATIONS,
      /** Adds `render(container, context)` at `location`; returns the function that removes it. */
      registerComponent(location, render) {
        alive();
        if (!LOCATIONS.includes(location))
          throw new Error(`unknown console location ${JSON.stringify(location)}; use one of ${LOCATIONS.join(", ")}`);
        if (typeof render !== "function")
          throw new Error("registerComponent needs a render function (container, context) => void | cleanup");
        const component = { location, render };
        entry.components.push(component);
        changed();
        return () => {
          entry.components = entry.components.filter((c) => c !== component);
          changed();
        };
      },
      /** Calls `handler(payload, event)` for this plugin's own published event `name` (without the plugin id prefix). */
      onEvent(name, handler) {
        alive();
        if (typeof name !== "string" || !name || typeof handler !== "function")
          throw new Error("onEvent needs an event name and a handler function");
        if (!entry.handlers.has(name)) entry.handlers.set(name, new Set());
        entry.handlers.get(name).add(handler);
        return () => entry.handlers.get(name)?.delete(handler);
      },
    });
  }

  /** Removes everything a plugin contributed and revokes its registry (the plugin was disabled or stopped). */
  function unregisterPlugin(pluginId) {
    const entry = plugins.get(pluginId);
    if (!entry) return;
    entry.revoked = true;
    plugins.delete(pluginId);
    changed();
  }

  function runCleanups(container) {
    for (const cleanup of cleanups.get(container) ?? []) {
      try {
        cleanup();
      } catch {
        // A failing cleanup must not stop the others.
      }
    }
    cleanups.set(container, []);
  }

  function contain(slot, pluginId, location, error) {
    const message = describe(error);
    slot.shadowRoot.replaceChildren();
    const box = document.createElement("div");
    box.className = "contribution-error";
    box.setAttribute("role", "alert");
    box.textContent = `This component of ${pluginId} failed: ${message}`;
    box.style.cssText = "background:#fde8e8;border:1px solid #e6a1a1;color:#7a1c1c;padding:.5rem;border-radius:.3rem";
    slot.shadowRoot.append(box);
    slot.dataset.failed = "true";
    report({ pluginId, where: location, message });
  }

  /**
   * Renders the contributions at `location` into `container`, each in its own slot
   * (`<div class="contribution" data-plugin-id=…>` with an open shadow root). `only` limits
   * it to one plugin's (its page, its table row). `context` is passed to every render.
   */
  function renderLocation(location, container, context = {}, only) {
    runCleanups(container);
    container.replaceChildren();
    const own = [];
    for (const [pluginId, entry] of plugins) {
      if (only !== undefined && pluginId !== only) continue;
      for (const component of entry.components) {
        if (component.location !== location) continue;
        const slot = document.createElement("div");
        slot.className = "contribution";
        slot.dataset.pluginId = pluginId;
        slot.dataset.location = location;
        const root = slot.attachShadow({ mode: "open" });
        const inner = document.createElement("div");
        root.append(inner);
        container.append(slot);
        try {
          const result = component.render(inner, Object.freeze({ ...context, pluginId, location }));
          if (typeof result === "function") own.push(result);
          else if (result && typeof result.then === "function")
            result.catch((error) => contain(slot, pluginId, location, error));
        } catch (error) {
          contain(slot, pluginId, location, error);
        }
      }
    }
    cleanups.set(container, own);
  }

  /** Delivers a plugin's published event to its handlers; a throwing handler is reported, the others still run. */
  function dispatchEvent(pluginId, name, payload, event) {
    for (const handler of plugins.get(pluginId)?.handlers.get(name) ?? []) {
      try {
        const result = handler(payload, event);
        if (result && typeof result.then === "function")
          result.catch((error) => report({ pluginId, where: `event ${name}`, message: describe(error) }));
      } catch (error) {
        report({ pluginId, where: `event ${name}`, message: describe(error) });
      }
    }
  }

  return {
    scoped,
    unregisterPlugin,
    renderLocation,
    dispatchEvent,
    /** Plugin ids with a live registry. */
    registered: () => [...plugins.keys()],
    /** Calls `listener` whenever a contribution is added or removed; returns the unsubscribe function. */
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
  };
}
