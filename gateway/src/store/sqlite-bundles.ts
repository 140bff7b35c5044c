import type Database from "better-sqlite3";
import type { BundleStore, StoredBundle, StoredTrustedKey, TrustedKeyStore } from "./store.js";
import { sqliteGuardedAsync } from "./sqlite-errors.js";

interface BundleRow {
  readonly plugin_id: string;
  readonly version: string;
  readonly sha256: string;
  readonly bytes: Buffer;
  readonly signature: Buffer | null;
  readonly stored_at: number;
}

/** Implements BundleStore and TrustedKeyStore on the `bundles` and `trusted_keys` tables of an open, migrated database. */
export function createSqliteBundles(db: Database.Database): BundleStore & TrustedKeyStore {
  const put = db.prepare<[string, string, string, Uint8Array, Uint8Array | null, number]>(
    `INSERT INTO bundles (plugin_id, version, sha256, bytes, signature, stored_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (plugin_id, version) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, signature = excluded.signature, stored_at = excluded.stored_at`,
  );
  const get = db.prepare<[string, string], BundleRow>("SELECT * FROM bundles WHERE plugin_id = ? AND version = ?");
  const list = db.prepare<[string], Omit<BundleRow, "bytes" | "signature">>(
    "SELECT plugin_id, version, sha256, stored_at FROM bundles WHERE plugin_id = ? ORDER BY stored_at, version",
  );
  const remove = db.prepare<[string]>("DELETE FROM bundles WHERE plugin_id = ?");
  const putKey = db.prepare<[string, string, string]>(
    "INSERT INTO trusted_keys (key_id, name, pem) VALUES (?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET name = excluded.name, pem = excluded.pem",
  );
  const listKeys = db.prepare<[], { key_id: string; name: string; pem: string }>(
    "SELECT key_id, name, pem FROM trusted_keys ORDER BY key_id",
  );
  const deleteKey = db.prepare<[string]>("DELETE FROM trusted_keys WHERE key_id = ?");
  return {
    putBundle: sqliteGuardedAsync(
      "bundle write",
      (bundle: StoredBundle) =>
        void put.run(
          bundle.pluginId,
          bundle.version,
          bundle.sha256,
          bundle.bytes,
          bundle.signature ?? null,
          bundle.storedAt,
        ),
    ),
    getBundle: sqliteGuardedAsync("bundle read", (pluginId: string, version: string): StoredBundle | undefined => {
      const row = get.get(pluginId, version);
      if (!row) return undefined;
      return {
        pluginId,
        version,
        sha256: row.sha256,
        bytes: row.bytes,
        signature: row.signature ?? undefined,
        storedAt: row.stored_at,
      };
    }),
    listBundles: sqliteGuardedAsync("bundle read", (pluginId: string) =>
      list
        .all(pluginId)
        .map((row) => ({ pluginId, version: row.version, sha256: row.sha256, storedAt: row.stored_at })),
    ),
    deleteBundles: sqliteGuardedAsync("bundle delete", (pluginId: string) => remove.run(pluginId).changes),
    putTrustedKey: sqliteGuardedAsync(
      "trusted key write",
      (key: StoredTrustedKey) => void putKey.run(key.keyId, key.name, key.pem),
    ),
    listTrustedKeys: sqliteGuardedAsync("trusted key read", () =>
      listKeys.all().map((row) => ({ keyId: row.key_id, name: row.name, pem: row.pem })),
    ),
    deleteTrustedKey: sqliteGuardedAsync("trusted key delete", (keyId: string) => deleteKey.run(keyId).changes > 0),
  };
}
