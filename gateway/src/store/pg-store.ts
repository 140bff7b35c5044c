import pg from "pg";
import type { PolyplugError } from "../errors.js";
import { createExpirySweeper } from "./expiry-sweeper.js";
import type { GatewayStore } from "./store.js";
import { createPgBundles } from "./pg-bundles.js";
import { pgOpenError, redactDatabaseUrl } from "./pg-errors.js";
import { createPgKv } from "./pg-kv.js";
import { migratePg } from "./pg-migrations.js";
import { createPgPluginState } from "./pg-plugin-state.js";

/** Options of openPostgresStore. */
export interface PostgresStoreOptions {
  /** Clock deciding KV expiry, epoch milliseconds. Default Date.now. Nodes of a cluster should run NTP. */
  readonly now?: () => number;
  /** Period of the background sweep of expired KV entries; 0 = do not start it. Default 60 000 ms. */
  readonly sweepIntervalMs?: number;
  /** Expired entries deleted per sweep statement. Default 1000. */
  readonly sweepBatchSize?: number;
  /** Most connections the store's pool opens. Default 10. */
  readonly maxConnections?: number;
  /** How long a query waits for a free connection or for connecting. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Called with errors of the background sweep (which otherwise retries next period) and of idle connections. */
  readonly onBackgroundError?: (error: PolyplugError) => void;
}

/** The PostgreSQL implementation of GatewayStore (shared by every gateway of a cluster). */
export interface PostgresStore extends GatewayStore {
  readonly kind: "postgres";
  /** The database URL with its password redacted. */
  readonly where: string;
  /** The connection string, for the cluster's own LISTEN connection. */
  readonly url: string;
  /** The store's pool (the cluster layer runs its queries on it). */
  readonly pool: pg.Pool;
  /** Deletes every expired KV entry now (in batches); returns how many were deleted. */
  sweepExpired(): Promise<number>;
  startSweeper(intervalMs: number): void;
  stopSweeper(): void;
}

/**
 * Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`;
 * `?host=/socket/dir` for a unix socket) and migrates its schema under an advisory lock.
 * Every returned write has committed on the server. Throws PolyplugError naming the URL
 * (password redacted): `unavailable` when the server cannot be reached, `failed_precondition`
 * when it refuses us or its schema is newer than this gateway.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const where = redactDatabaseUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: "polyplug",
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.onBackgroundError?.(pgOpenError(error, url)));
  try {
    const client = await pool.connect();
    try {
      await migratePg(client, where);
    } finally {
      client.release();
    }
  } catch (reason) {
    await pool.end().catch(() => undefined);
    throw pgOpenError(reason, url);
  }
  const now = options.now ?? Date.now;
  const batch = options.sweepBatchSize ?? 1000;
  const kv = createPgKv(pool, now);
  let closed: Promise<void> | undefined;

  async function sweepExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await kv.sweepExpired(batch);
      total += deleted;
      if (deleted < batch) return total;
    }
  }
  const sweeper = createExpirySweeper(sweepExpired, options.onBackgroundError);
  const interval = options.sweepIntervalMs ?? 60_000;
  if (interval > 0) sweeper.start(interval);

  return {
    kind: "postgres",
    where,
    url,
    pool,
    kvGet: kv.kvGet,
    kvSet: kv.kvSet,
    kvDelete: kv.kvDelete,
    kvList: kv.kvList,
    ...createPgPluginState(pool),
    ...createPgBundles(pool),
    sweepExpired,
    startSweeper: sweeper.start,
    stopSweeper: sweeper.stop,
    close() {
      sweeper.stop();
      closed ??= pool.end();
      return closed;
    },
  };
}
