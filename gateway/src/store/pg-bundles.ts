import type pg from "pg";
import type { BundleStore, StoredBundle, StoredTrustedKey, TrustedKeyStore } from "./store.js";
import { pgGuarded } from "./pg-errors.js";

interface BundleRow {
  readonly version: string;
  readonly sha256: string;
  readonly bytes: Buffer;
  readonly signature: Buffer | null;
  readonly stored_at: string;
}

/** Implements BundleStore and TrustedKeyStore on the `bundles` and `trusted_keys` tables. */
export function createPgBundles(pool: pg.Pool): BundleStore & TrustedKeyStore {
  return {
    putBundle: pgGuarded("bundle write", async (bundle: StoredBundle) => {
      await pool.query(
        `INSERT INTO bundles (plugin_id, version, sha256, bytes, signature, stored_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (plugin_id, version) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, signature = excluded.signature, stored_at = excluded.stored_at`,
        [bundle.pluginId, bundle.version, bundle.sha256, bundle.bytes, bundle.signature ?? null, bundle.storedAt],
      );
    }),
    getBundle: pgGuarded(
      "bundle read",
      async (pluginId: string, version: string): Promise<StoredBundle | undefined> => {
        const { rows } = await pool.query<BundleRow>(
          "SELECT version, sha256, bytes, signature, stored_at FROM bundles WHERE plugin_id = $1 AND version = $2",
          [pluginId, version],
        );
        const row = rows[0];
        if (!row) return undefined;
        return {
          pluginId,
          version,
          sha256: row.sha256,
          bytes: row.bytes,
          signature: row.signature ?? undefined,
          storedAt: Number(row.stored_at),
        };
      },
    ),
    listBundles: pgGuarded("bundle read", async (pluginId: string) => {
      const { rows } = await pool.query<Omit<BundleRow, "bytes" | "signature">>(
        "SELECT version, sha256, stored_at FROM bundles WHERE plugin_id = $1 ORDER BY stored_at, version",
        [pluginId],
      );
      return rows.map((row) => ({
        pluginId,
        version: row.version,
        sha256: row.sha256,
        storedAt: Number(row.stored_at),
      }));
    }),
    deleteBundles: pgGuarded(
      "bundle delete",
      async (pluginId: string) =>
        (await pool.query("DELETE FROM bundles WHERE plugin_id = $1", [pluginId])).rowCount ?? 0,
    ),
    putTrustedKey: pgGuarded("trusted key write", async (key: StoredTrustedKey) => {
      await pool.query(
        "INSERT INTO trusted_keys (key_id, name, pem) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO UPDATE SET name = excluded.name, pem = excluded.pem",
        [key.keyId, key.name, key.pem],
      );
    }),
    listTrustedKeys: pgGuarded("trusted key read", async () => {
      const { rows } = await pool.query<{ key_id: string; name: string; pem: string }>(
        "SELECT key_id, name, pem FROM trusted_keys ORDER BY key_id",
      );
      return rows.map((row) => ({ keyId: row.key_id, name: row.name, pem: row.pem }));
    }),
    deleteTrustedKey: pgGuarded(
      "trusted key delete",
      async (keyId: string) => (await pool.query("DELETE FROM trusted_keys WHERE key_id = $1", [keyId])).rowCount === 1,
    ),
  };
}
