import type pg from "pg";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { Migration } from "./sqlite-migrations.js";

/**
 * The PostgreSQL schema, as ordered steps (append; never edit released ones). Keys are
 * `COLLATE "C"` so ORDER BY and range scans follow UTF-8 byte order, as in SQLite.
 */
export const pgMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "KV, plugin state, bundles, trusted keys, cluster nodes and events",
    sql: `
      CREATE TABLE kv (
        namespace  TEXT COLLATE "C" NOT NULL,
        key        TEXT COLLATE "C" NOT NULL,
        value      BYTEA  NOT NULL,
        expires_at BIGINT NULL, -- epoch milliseconds; NULL = never
        PRIMARY KEY (namespace, key)
      );
      CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE plugin_state (
        plugin_id         TEXT    NOT NULL PRIMARY KEY,
        enabled           BOOLEAN NULL, -- NULL = operator never chose
        config            JSONB   NULL, -- NULL = never saved
        installed_version TEXT    NULL  -- NULL = none installed through the gateway
      );
      CREATE TABLE bundles (
        plugin_id TEXT   NOT NULL,
        version   TEXT   NOT NULL,
        sha256    TEXT   NOT NULL,
        bytes     BYTEA  NOT NULL,
        signature BYTEA  NULL,
        stored_at BIGINT NOT NULL,
        PRIMARY KEY (plugin_id, version)
      );
      CREATE TABLE trusted_keys (
        key_id TEXT NOT NULL PRIMARY KEY,
        name   TEXT NOT NULL,
        pem    TEXT NOT NULL
      );
      CREATE TABLE cluster_nodes (
        node_id      TEXT        NOT NULL PRIMARY KEY,
        public_url   TEXT        NOT NULL,
        admin_url    TEXT        NOT NULL,
        version      TEXT        NOT NULL,
        started_at   TIMESTAMPTZ NOT NULL,
        last_seen    TIMESTAMPTZ NOT NULL,
        stopped      BOOLEAN     NOT NULL DEFAULT false,
        plugins      JSONB       NOT NULL DEFAULT '[]' -- [{pluginId, version, state}]
      );
      -- Cluster event payloads too big for NOTIFY; the notification carries the id.
      CREATE TABLE cluster_payloads (
        id         BIGSERIAL   PRIMARY KEY,
        payload    TEXT        NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
    `,
  },
];

/** The schema version this build writes. */
export const latestPgSchemaVersion = pgMigrations.reduce((max, step) => Math.max(max, step.version), 0);

/** The advisory lock key migrations hold ("polyplug" in ASCII, as a bigint). */
export const MIGRATION_LOCK_KEY = "8101768220521590631";

/**
 * Brings the database up to `latestPgSchemaVersion` in one transaction holding an advisory
 * lock, so gateways starting together migrate it exactly once (the others wait, then see
 * the new version). Returns the version it started from. A database from a newer gateway
 * is refused (`failed_precondition`). `where` names the database in errors.
 */
export async function migratePg(client: pg.ClientBase, where: string): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_version");
    const current = rows[0]?.version ?? 0;
    if (current > latestPgSchemaVersion) {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `the gateway store at ${where} has schema version ${current}, newer than this gateway knows (${latestPgSchemaVersion}); upgrade the gateway`,
        { details: { database: where, schemaVersion: current } },
      );
    }
    if (rows.length === 0) await client.query("INSERT INTO schema_version (version) VALUES (0)");
    for (const step of pgMigrations) if (step.version > current) await client.query(step.sql);
    await client.query("UPDATE schema_version SET version = $1", [latestPgSchemaVersion]);
    await client.query("COMMIT");
    return current;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
