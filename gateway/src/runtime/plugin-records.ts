import type { JsonObject } from "@bufbuild/protobuf";
import type { PluginRecord, PluginStateStore } from "../store/store.js";

/**
 * The gateway's view of the stored plugin records (enabled state, configuration,
 * installed version), read synchronously by the hot paths (listings, the configuration a
 * plugin is activated with). Writes go to the store first, then to the view; `refresh`
 * re-reads one record when another gateway of the cluster changed it.
 */
export interface PluginRecords {
  /** The last known record; an empty one (operator never chose) when the store has none. */
  get(pluginId: string): PluginRecord;
  /** Reads every record from the store. */
  load(): Promise<void>;
  /** Every known record (after `load`). */
  all(): PluginRecord[];
  /** Re-reads one record from the store and returns it. */
  refresh(pluginId: string): Promise<PluginRecord>;
  setEnabled(pluginId: string, enabled: boolean): Promise<void>;
  saveConfig(pluginId: string, config: JsonObject): Promise<void>;
  setInstalledVersion(pluginId: string, version: string | undefined): Promise<void>;
}

/** A PluginRecords view over `store`. */
export function createPluginRecords(store: PluginStateStore): PluginRecords {
  const records = new Map<string, PluginRecord>();
  const empty = (pluginId: string): PluginRecord => ({
    pluginId,
    enabled: undefined,
    config: undefined,
    installedVersion: undefined,
  });
  const refresh = async (pluginId: string): Promise<PluginRecord> => {
    const record = await store.getPluginRecord(pluginId);
    records.set(pluginId, record);
    return record;
  };
  return {
    get: (pluginId) => records.get(pluginId) ?? empty(pluginId),
    async load() {
      const all = await store.listPluginRecords();
      records.clear();
      for (const record of all) records.set(record.pluginId, record);
    },
    refresh,
    all: () => [...records.values()],
    async setEnabled(pluginId, enabled) {
      await store.setPluginEnabled(pluginId, enabled);
      records.set(pluginId, { ...(records.get(pluginId) ?? empty(pluginId)), enabled });
    },
    async saveConfig(pluginId, config) {
      await store.savePluginConfig(pluginId, config);
      records.set(pluginId, { ...(records.get(pluginId) ?? empty(pluginId)), config });
    },
    async setInstalledVersion(pluginId, installedVersion) {
      await store.setInstalledVersion(pluginId, installedVersion);
      records.set(pluginId, { ...(records.get(pluginId) ?? empty(pluginId)), installedVersion });
    },
  };
}
