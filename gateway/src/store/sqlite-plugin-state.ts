import type Database from "better-sqlite3";
import type { JsonObject } from "@bufbuild/protobuf";
import type { PluginRecord, PluginStateStore } from "./store.js";
import { sqliteGuardedAsync } from "./sqlite-errors.js";

interface Row {
  readonly plugin_id: string;
  readonly enabled: 0 | 1 | null;
  readonly config: string | null;
  readonly installed_version: string | null;
}

function toRecord(pluginId: string, row: Row | undefined): PluginRecord {
  return {
    pluginId,
    enabled: row?.enabled === null || row?.enabled === undefined ? undefined : row.enabled === 1,
    config: row?.config == null ? undefined : (JSON.parse(row.config) as JsonObject),
    installedVersion: row?.installed_version ?? undefined,
  };
}

/** Implements PluginStateStore on the `plugin_state` table of an open, migrated database. */
export function createSqlitePluginState(db: Database.Database): PluginStateStore {
  const columns = "plugin_id, enabled, config, installed_version";
  const select = db.prepare<[string], Row>(`SELECT ${columns} FROM plugin_state WHERE plugin_id = ?`);
  const selectAll = db.prepare<[], Row>(`SELECT ${columns} FROM plugin_state ORDER BY plugin_id`);
  const upsert = (column: string) =>
    db.prepare<[string, number | string | null]>(
      `INSERT INTO plugin_state (plugin_id, ${column}) VALUES (?, ?) ON CONFLICT (plugin_id) DO UPDATE SET ${column} = excluded.${column}`,
    );
  const setEnabled = upsert("enabled");
  const setConfig = upsert("config");
  const setInstalled = upsert("installed_version");
  return {
    getPluginRecord: sqliteGuardedAsync("plugin state read", (pluginId: string) =>
      toRecord(pluginId, select.get(pluginId)),
    ),
    listPluginRecords: sqliteGuardedAsync("plugin state read", () =>
      selectAll.all().map((row) => toRecord(row.plugin_id, row)),
    ),
    setPluginEnabled: sqliteGuardedAsync(
      "plugin state write",
      (pluginId: string, enabled: boolean) => void setEnabled.run(pluginId, enabled ? 1 : 0),
    ),
    savePluginConfig: sqliteGuardedAsync(
      "plugin config write",
      (pluginId: string, config: JsonObject) => void setConfig.run(pluginId, JSON.stringify(config)),
    ),
    setInstalledVersion: sqliteGuardedAsync(
      "plugin state write",
      (pluginId: string, version: string | undefined) => void setInstalled.run(pluginId, version ?? null),
    ),
  };
}
