import Database from "better-sqlite3";
import type { PolyplugError } from "../errors.js";
import { createExpirySweeper } from "./expiry-sweeper.js";
import type { GatewayStore } from "./store.js";
import { createSqliteKv } from "./sqlite-kv.js";
import { createSqlitePluginState } from "./sqlite-plugin-state.js";
import { createSqliteBundles } from "./sqlite-bundles.js";
import { migrate } from "./sqlite-migrations.js";
import { storeOpenError } from "./sqlite-errors.js";

/** Options of openSqliteStore. */
export interface SqliteStoreOptions {
  /** Clock deciding KV expiry, epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Period of the background sweep of expired KV entries; 0 = do not start it. Default 60 000 ms. */
  readonly sweepIntervalMs?: number;
  /** Expired entries deleted per sweep transaction (keeps write locks short). Default 1000. */
  readonly sweepBatchSize?: number;
  /** How long a write waits for another process holding the database lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `normal` (default): a committed write survives the process being killed (it is in the
   * WAL file, i.e. in the OS page cache), but the last transactions may be lost on power
   * failure or kernel crash. `full`: fsync on every commit, surviving those too, at the
   * cost of one fsync per write.
   */
  readonly synchronous?: "normal" | "full";
  /** Called with errors of the background sweep (which otherwise retries next period). */
  readonly onSweepError?: (error: PolyplugError) => void;
}

/** The SQLite implementation of GatewayStore, with control over the expiry sweep. */
export interface SqliteStore extends GatewayStore {
  /** The path the store was opened with (`:memory:` for an in-memory store). */
  readonly path: string;
  /** Deletes every expired KV entry now (in batches); returns how many were deleted. */
  sweepExpired(): number;
  /** Starts (or restarts) the periodic sweep; the timer never keeps the process alive. */
  startSweeper(intervalMs: number): void;
  /** Stops the periodic sweep; a no-op when it is not running. */
  stopSweeper(): void;
}

function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    // WAL: readers never block the writer, and a commit is one append to the WAL file.
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (path !== ":memory:" && mode !== "wal")
      throw new Error(`the file system refused WAL journaling (journal_mode is ${String(mode)})`);
    db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    migrate(db, path);
    return db;
  } catch (reason) {
    db?.close();
    throw storeOpenError(reason, path);
  }
}

/**
 * Opens (creating if needed) the gateway's SQLite store at `path`, or an in-memory one
 * for `:memory:`, and migrates its schema. Every returned write has committed; see
 * `SqliteStoreOptions.synchronous` for what that survives. Throws PolyplugError naming
 * the path when the file cannot be opened (`unavailable`) or is not a usable database
 * (`failed_precondition`).
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(path, options);
  const now = options.now ?? Date.now;
  const batch = options.sweepBatchSize ?? 1000;
  const kv = createSqliteKv(db, now);
  const pluginState = createSqlitePluginState(db);
  const bundles = createSqliteBundles(db);

  function sweepExpired(): number {
    let total = 0;
    for (;;) {
      const deleted = kv.sweepExpired(batch);
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  const sweeper = createExpirySweeper(sweepExpired, options.onSweepError);

  const interval = options.sweepIntervalMs ?? 60_000;
  if (interval > 0) sweeper.start(interval);

  return {
    kind: "sqlite",
    path,
    kvGet: kv.kvGet,
    kvSet: kv.kvSet,
    kvDelete: kv.kvDelete,
    kvList: kv.kvList,
    ...pluginState,
    ...bundles,
    sweepExpired,
    startSweeper: sweeper.start,
    stopSweeper: sweeper.stop,
    async close() {
      sweeper.stop();
      if (db.open) db.close();
    },
  };
}
