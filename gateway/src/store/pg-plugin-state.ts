import type pg from "pg";
import type { JsonObject } from "@bufbuild/protobuf";
import type { PluginRecord, PluginStateStore } from "./store.js";
import { pgGuarded } from "./pg-errors.js";

interface StateRow {
  readonly plugin_id: string;
  readonly enabled: boolean | null;
  readonly config: JsonObject | null;
  readonly installed_version: string | null;
}

function toRecord(pluginId: string, row: StateRow | undefined): PluginRecord {
  return {
    pluginId,
    enabled: row?.enabled ?? undefined,
    config: row?.config ?? undefined,
    installedVersion: row?.installed_version ?? undefined,
  };
}

/** Implements PluginStateStore on the `plugin_state` table of a migrated PostgreSQL database. */
export function createPgPluginState(pool: pg.Pool): PluginStateStore {
  const columns = "plugin_id, enabled, config, installed_version";
  const upsert = (column: string) =>
    `INSERT INTO plugin_state (plugin_id, ${column}) VALUES ($1, $2) ON CONFLICT (plugin_id) DO UPDATE SET ${column} = excluded.${column}`;
  return {
    getPluginRecord: pgGuarded("plugin state read", async (pluginId: string) => {
      const { rows } = await pool.query<StateRow>(`SELECT ${columns} FROM plugin_state WHERE plugin_id = $1`, [
        pluginId,
      ]);
      return toRecord(pluginId, rows[0]);
    }),
    listPluginRecords: pgGuarded("plugin state read", async () => {
      const { rows } = await pool.query<StateRow>(`SELECT ${columns} FROM plugin_state ORDER BY plugin_id`);
      return rows.map((row) => toRecord(row.plugin_id, row));
    }),
    setPluginEnabled: pgGuarded(
      "plugin state write",
      async (pluginId: string, enabled: boolean) => void (await pool.query(upsert("enabled"), [pluginId, enabled])),
    ),
    savePluginConfig: pgGuarded(
      "plugin config write",
      async (pluginId: string, config: JsonObject) =>
        void (await pool.query(upsert("config"), [pluginId, JSON.stringify(config)])),
    ),
    setInstalledVersion: pgGuarded(
      "plugin state write",
      async (pluginId: string, version: string | undefined) =>
        void (await pool.query(upsert("installed_version"), [pluginId, version ?? null])),
    ),
  };
}
