import type pg from "pg";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { KvEntry, KvPage, KvSetOptions, KvSetResult, KvStore } from "./store.js";
import { checkPageSize, decodePageToken, encodePageToken, prefixUpperBound } from "./kv-page-token.js";
import { pgGuarded } from "./pg-errors.js";

interface Row {
  readonly value: Buffer;
  /** BIGINT arrives as a string. */
  readonly expires_at: string | null;
}

/** The KV half of the PostgreSQL store, plus the expiry sweep it needs. */
export interface PgKv extends KvStore {
  /** Deletes up to `limit` expired entries (all namespaces); returns how many. */
  sweepExpired(limit: number): Promise<number>;
}

/** How often an insert-if-absent retries when the entry it lost to vanished before it could read it. */
const IF_ABSENT_ATTEMPTS = 5;

const live = "(expires_at IS NULL OR expires_at > $3)";

function toEntry(row: Row): KvEntry {
  return { value: row.value, expiresAt: row.expires_at === null ? undefined : Number(row.expires_at) };
}

/**
 * Implements KvStore on the `kv` table of a migrated PostgreSQL database. Every write is
 * one statement, so it is atomic without explicit transactions: compare-and-set is an
 * UPDATE whose WHERE holds the expected bytes (PostgreSQL re-checks it against the latest
 * row version under concurrent updates); insert-if-absent is an INSERT whose ON CONFLICT
 * only takes over an expired row. `now` is the clock (epoch ms) that decides expiry.
 */
export function createPgKv(pool: pg.Pool, now: () => number): PgKv {
  async function readLive(namespace: string, key: string): Promise<KvEntry | undefined> {
    const { rows } = await pool.query<Row>(
      `SELECT value, expires_at FROM kv WHERE namespace = $1 AND key = $2 AND ${live}`,
      [namespace, key, now()],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  async function setIfAbsent(
    namespace: string,
    key: string,
    value: Uint8Array,
    expiresAt: number | null,
  ): Promise<KvSetResult> {
    for (let attempt = 0; attempt < IF_ABSENT_ATTEMPTS; attempt++) {
      const inserted = await pool.query(
        `INSERT INTO kv (namespace, key, value, expires_at) VALUES ($1, $2, $4, $5)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= $3`,
        [namespace, key, now(), value, expiresAt],
      );
      if (inserted.rowCount === 1) return { applied: true, current: undefined };
      const current = await readLive(namespace, key);
      if (current) return { applied: false, current };
      // The live entry we lost to was deleted or expired before we read it: try again.
    }
    throw new PolyplugError(
      ErrorCode.Unavailable,
      `store set failed: key ${JSON.stringify(key)} changed ${IF_ABSENT_ATTEMPTS} times during one insert-if-absent; retry`,
    );
  }

  return {
    kvGet: pgGuarded("get", async (namespace: string, key: string) => {
      const { rows } = await pool.query<Row>("SELECT value, expires_at FROM kv WHERE namespace = $1 AND key = $2", [
        namespace,
        key,
      ]);
      const row = rows[0];
      if (!row) return undefined;
      const entry = toEntry(row);
      if (entry.expiresAt === undefined || entry.expiresAt > now()) return entry;
      // Purge lazily, as SQLite does; the condition keeps a concurrent fresh write.
      await pool.query("DELETE FROM kv WHERE namespace = $1 AND key = $2 AND expires_at <= $3", [
        namespace,
        key,
        now(),
      ]);
      return undefined;
    }),
    kvSet: pgGuarded(
      "set",
      async (namespace: string, key: string, value: Uint8Array, options: KvSetOptions = {}): Promise<KvSetResult> => {
        const ttl = options.ttlMs ?? 0;
        const expiresAt = ttl > 0 ? now() + ttl : null;
        if (options.ifEquals !== undefined) {
          const updated = await pool.query(
            `UPDATE kv SET value = $4, expires_at = $5 WHERE namespace = $1 AND key = $2 AND ${live} AND value = $6`,
            [namespace, key, now(), value, expiresAt, options.ifEquals],
          );
          if (updated.rowCount === 1) return { applied: true, current: undefined };
          return { applied: false, current: await readLive(namespace, key) };
        }
        if (options.ifAbsent === true) return setIfAbsent(namespace, key, value, expiresAt);
        await pool.query(
          `INSERT INTO kv (namespace, key, value, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
          [namespace, key, value, expiresAt],
        );
        return { applied: true, current: undefined };
      },
    ),
    kvDelete: pgGuarded("delete", async (namespace: string, key: string, ifEquals?: Uint8Array) => {
      const deleted =
        ifEquals === undefined
          ? await pool.query(`DELETE FROM kv WHERE namespace = $1 AND key = $2 AND ${live}`, [namespace, key, now()])
          : await pool.query(`DELETE FROM kv WHERE namespace = $1 AND key = $2 AND ${live} AND value = $4`, [
              namespace,
              key,
              now(),
              ifEquals,
            ]);
      return deleted.rowCount === 1;
    }),
    kvList: async (namespace: string, prefix: string, pageSize: number, pageToken: string): Promise<KvPage> => {
      checkPageSize(pageSize);
      const after = decodePageToken(prefix, pageToken);
      return pgGuarded("list", async () => {
        const upper = prefixUpperBound(prefix);
        const lower = after === undefined ? "key >= $2" : "key > $2";
        const params: unknown[] = [namespace, after ?? prefix, now(), pageSize + 1];
        if (upper !== undefined) params.push(upper);
        const { rows } = await pool.query<{ key: string }>(
          `SELECT key FROM kv WHERE namespace = $1 AND ${lower} ${upper === undefined ? "" : "AND key < $5"} AND ${live} ORDER BY key LIMIT $4`,
          params,
        );
        const keys = rows.map((row) => row.key);
        if (keys.length <= pageSize) return { keys, nextPageToken: "" };
        keys.length = pageSize;
        return { keys, nextPageToken: encodePageToken(prefix, keys[pageSize - 1] ?? "") };
      })();
    },
    sweepExpired: pgGuarded("sweep", async (limit: number) => {
      const deleted = await pool.query(
        "DELETE FROM kv WHERE ctid IN (SELECT ctid FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2)",
        [now(), limit],
      );
      return deleted.rowCount ?? 0;
    }),
  };
}
