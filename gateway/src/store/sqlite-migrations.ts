import type Database from "better-sqlite3";
import { ErrorCode, PolyplugError } from "../errors.js";

/** One schema step. Versions are consecutive from 1; a step never changes once released. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The schema, as an ordered list of steps. Append new steps; never edit or reorder
 * released ones (a database records the last version it applied).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "KV entries and plugin state",
    sql: `
      CREATE TABLE kv (
        namespace  TEXT    NOT NULL,
        key        TEXT    NOT NULL,
        value      BLOB    NOT NULL,
        expires_at INTEGER NULL, -- epoch milliseconds; NULL = never
        PRIMARY KEY (namespace, key)
      );
      CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE plugin_state (
        plugin_id TEXT    NOT NULL PRIMARY KEY,
        enabled   INTEGER NULL CHECK (enabled IN (0, 1)), -- NULL = operator never chose
        config    TEXT    NULL                             -- JSON object; NULL = never saved
      );
    `,
  },
  {
    version: 2,
    description: "installed bundles, trusted keys, installed version per plugin",
    sql: `
      ALTER TABLE plugin_state ADD COLUMN installed_version TEXT NULL; -- NULL = none installed through the gateway
      CREATE TABLE bundles (
        plugin_id TEXT    NOT NULL,
        version   TEXT    NOT NULL,
        sha256    TEXT    NOT NULL,
        bytes     BLOB    NOT NULL,
        signature BLOB    NULL,
        stored_at INTEGER NOT NULL, -- epoch milliseconds
        PRIMARY KEY (plugin_id, version)
      );
      CREATE TABLE trusted_keys (
        key_id TEXT NOT NULL PRIMARY KEY,
        name   TEXT NOT NULL,
        pem    TEXT NOT NULL
      );
    `,
  },
];

/** The schema version this build writes. */
export const latestSchemaVersion = migrations.reduce((max, step) => Math.max(max, step.version), 0);

/**
 * Brings `db` up to `latestSchemaVersion` and returns the version it started from. All
 * pending steps run in one IMMEDIATE transaction, so processes opening the same file at
 * once migrate it exactly once. A database from a newer gateway is refused
 * (`failed_precondition`) rather than used with a schema this build does not know.
 */
export function migrate(db: Database.Database, path: string): number {
  return db
    .transaction(() => {
      db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      const row = db.prepare<[], { version: number }>("SELECT version FROM schema_version").get();
      const current = row?.version ?? 0;
      if (current > latestSchemaVersion) {
        throw new PolyplugError(
          ErrorCode.FailedPrecondition,
          `the gateway store at ${path} has schema version ${current}, newer than this gateway knows (${latestSchemaVersion}); upgrade the gateway or use another store file`,
          { details: { path, schemaVersion: current } },
        );
      }
      if (!row) db.prepare("INSERT INTO schema_version (version) VALUES (0)").run();
      for (const step of migrations) if (step.version > current) db.exec(step.sql);
      db.prepare("UPDATE schema_version SET version = ?").run(latestSchemaVersion);
      return current;
    })
    .immediate();
}
