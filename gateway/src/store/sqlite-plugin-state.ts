import type Database from "better-sqlite3";
import type { JsonObject } from "@bufbuild/protobuf";
import type { PluginRecord, PluginStateStore } from "./store.js";
import { storeOperationError } from "./sqlite-errors.js";

interface Row {
  readonly enabled: 0 | 1 | null;
  readonly config: string | null;
}

/** Implements PluginStateStore on the `plugin_state` table of an open, migrated database. */
export function createSqlitePluginState(db: Database.Database): PluginStateStore {
  const select = db.prepare<[string], Row>("SELECT enabled, config FROM plugin_state WHERE plugin_id = ?");
  const setEnabled = db.prepare<[string, number]>(
    "INSERT INTO plugin_state (plugin_id, enabled) VALUES (?, ?) ON CONFLICT (plugin_id) DO UPDATE SET enabled = excluded.enabled",
  );
  const setConfig = db.prepare<[string, string]>(
    "INSERT INTO plugin_state (plugin_id, config) VALUES (?, ?) ON CONFLICT (plugin_id) DO UPDATE SET config = excluded.config",
  );
  return {
    getPluginRecord(pluginId) {
      let row: Row | undefined;
      try {
        row = select.get(pluginId);
      } catch (reason) {
        throw storeOperationError(reason, "plugin state read");
      }
      const record: PluginRecord = {
        pluginId,
        enabled: row?.enabled === null || row?.enabled === undefined ? undefined : row.enabled === 1,
        config: row?.config == null ? undefined : (JSON.parse(row.config) as JsonObject),
      };
      return record;
    },
    setPluginEnabled(pluginId, enabled) {
      try {
        setEnabled.run(pluginId, enabled ? 1 : 0);
      } catch (reason) {
        throw storeOperationError(reason, "plugin state write");
      }
    },
    savePluginConfig(pluginId, config) {
      try {
        setConfig.run(pluginId, JSON.stringify(config));
      } catch (reason) {
        throw storeOperationError(reason, "plugin config write");
      }
    },
  };
}
