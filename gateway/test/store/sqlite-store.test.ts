import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/errors.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { bytes, tempDir, tempStore, text } from "./temp-store.js";

// SQLite-only behaviour; the semantics both backends share are in store-suite.test.ts.
describe("sqlite store: files", () => {
  it("uses WAL journaling and records the schema version", async () => {
    const { store, file } = tempStore();
    await store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.prepare("SELECT version FROM schema_version").pluck().get()).toBe(2);
    raw.close();
  });

  it("supports :memory:", async () => {
    const store = openSqliteStore(":memory:", { sweepIntervalMs: 0 });
    await store.kvSet("p", "k", bytes("v"));
    expect(text((await store.kvGet("p", "k"))?.value)).toBe("v");
    await store.close();
  });

  const openFailure = (file: string): PolyplugError => {
    try {
      void openSqliteStore(file).close();
    } catch (error) {
      expect(error).toBeInstanceOf(PolyplugError);
      return error as PolyplugError;
    }
    throw new Error(`opening ${file} unexpectedly worked`);
  };

  it("names the path when the directory cannot hold the file", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "not-a-dir"), "");
    const file = path.join(dir, "not-a-dir", "gateway.db");
    const error = openFailure(file);
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain(file);
    const asDir = openFailure(dir); // a directory, not a file
    expect(asDir.message).toContain(dir);
  });

  it("names the path of a corrupt file", () => {
    const file = path.join(tempDir(), "corrupt.db");
    writeFileSync(file, Buffer.alloc(8192, "this is not sqlite "));
    const error = openFailure(file);
    expect(error.code).toBe("failed_precondition");
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a SQLite database or is corrupt/);
  });

  it("refuses a store written by a newer schema", async () => {
    const { store, file } = tempStore();
    await store.close();
    const raw = new Database(file);
    raw.prepare("UPDATE schema_version SET version = 99").run();
    raw.close();
    const error = openFailure(file);
    expect(error.code).toBe("failed_precondition");
    expect(error.message).toContain("schema version 99");
  });
});

describe("sqlite store: migration from schema 1", () => {
  it("keeps KV and plugin state written by schema 1 and adds the new tables", async () => {
    const file = path.join(tempDir(), "v1.db");
    const raw = new Database(file);
    raw.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
      CREATE TABLE kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at INTEGER NULL, PRIMARY KEY (namespace, key));
      CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE plugin_state (plugin_id TEXT NOT NULL PRIMARY KEY, enabled INTEGER NULL CHECK (enabled IN (0, 1)), config TEXT NULL);
      INSERT INTO kv VALUES ('p', 'k', X'7631', NULL); INSERT INTO plugin_state VALUES ('p', 0, '{"a":1}');`);
    raw.close();
    const store = openSqliteStore(file, { sweepIntervalMs: 0 });
    expect(text((await store.kvGet("p", "k"))?.value)).toBe("v1");
    expect(await store.getPluginRecord("p")).toEqual({
      pluginId: "p",
      enabled: false,
      config: { a: 1 },
      installedVersion: undefined,
    });
    expect(await store.listBundles("p")).toEqual([]);
    await store.close();
  });
});
