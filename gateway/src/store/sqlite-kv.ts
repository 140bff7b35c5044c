import type Database from "better-sqlite3";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { KvEntry, KvPage, KvSetOptions, KvSetResult, KvStore } from "./store.js";
import { decodePageToken, encodePageToken, prefixUpperBound } from "./kv-page-token.js";
import { sqliteGuarded, sqliteGuardedAsync } from "./sqlite-errors.js";

interface Row {
  readonly value: Buffer;
  readonly expires_at: number | null;
}

/** The KV half of the SQLite store, plus the expiry sweep it needs. */
export interface SqliteKv extends KvStore {
  /** Deletes up to `limit` expired entries (all namespaces); returns how many. */
  sweepExpired(limit: number): number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * Implements KvStore on the `kv` table of an open, migrated database. `now` is the
 * clock (epoch milliseconds) that decides expiry. Conditional writes run in an
 * IMMEDIATE transaction, so the read and the write are atomic even when several
 * processes share the database file.
 */
export function createSqliteKv(db: Database.Database, now: () => number): SqliteKv {
  const select = db.prepare<[string, string], Row>("SELECT value, expires_at FROM kv WHERE namespace = ? AND key = ?");
  const remove = db.prepare<[string, string]>("DELETE FROM kv WHERE namespace = ? AND key = ?");
  const upsert = db.prepare<[string, string, Uint8Array, number | null]>(
    `INSERT INTO kv (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  );
  const sweep = db.prepare<[number, number]>(
    "DELETE FROM kv WHERE rowid IN (SELECT rowid FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)",
  );
  // One statement per shape of range, so every page is an index range scan.
  const live = "(expires_at IS NULL OR expires_at > :now)";
  const listFrom = (lower: string, upper: string) =>
    db.prepare<[Record<string, unknown>], { key: string }>(
      `SELECT key FROM kv WHERE namespace = :namespace AND ${lower} ${upper} AND ${live} ORDER BY key LIMIT :limit`,
    );
  const list = {
    first: listFrom("key >= :lower", ""),
    firstBounded: listFrom("key >= :lower", "AND key < :upper"),
    next: listFrom("key > :lower", ""),
    nextBounded: listFrom("key > :lower", "AND key < :upper"),
  };

  /** The live entry, purging it first when it has expired. Call inside a transaction for writes. */
  function read(namespace: string, key: string): KvEntry | undefined {
    const row = select.get(namespace, key);
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= now()) {
      remove.run(namespace, key);
      return undefined;
    }
    return { value: row.value, expiresAt: row.expires_at ?? undefined };
  }

  const setTx = db.transaction(
    (namespace: string, key: string, value: Uint8Array, options: KvSetOptions): KvSetResult => {
      const current = read(namespace, key);
      if (options.ifEquals !== undefined && (current === undefined || !sameBytes(current.value, options.ifEquals))) {
        return { applied: false, current };
      }
      if (options.ifAbsent === true && current !== undefined) return { applied: false, current };
      const ttl = options.ttlMs ?? 0;
      upsert.run(namespace, key, value, ttl > 0 ? now() + ttl : null);
      return { applied: true, current: undefined };
    },
  );

  const deleteTx = db.transaction((namespace: string, key: string, ifEquals: Uint8Array | undefined): boolean => {
    const current = read(namespace, key);
    if (current === undefined) return false;
    if (ifEquals !== undefined && !sameBytes(current.value, ifEquals)) return false;
    remove.run(namespace, key);
    return true;
  });

  const getTx = db.transaction(read);

  return {
    kvGet: sqliteGuardedAsync("get", (namespace: string, key: string) => {
      // Plain read first: the common case (live or absent) needs no write transaction.
      const row = select.get(namespace, key);
      if (!row) return undefined;
      if (row.expires_at === null || row.expires_at > now())
        return { value: row.value, expiresAt: row.expires_at ?? undefined };
      return getTx.immediate(namespace, key);
    }),
    kvSet: sqliteGuardedAsync("set", (namespace: string, key: string, value: Uint8Array, options: KvSetOptions = {}) =>
      setTx.immediate(namespace, key, value, options),
    ),
    kvDelete: sqliteGuardedAsync("delete", (namespace: string, key: string, ifEquals?: Uint8Array) =>
      deleteTx.immediate(namespace, key, ifEquals),
    ),
    kvList: async (namespace: string, prefix: string, pageSize: number, pageToken: string): Promise<KvPage> => {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        throw new PolyplugError(ErrorCode.InvalidArgument, `page_size: must be 1..1000, got ${pageSize}`, {
          details: { field: "page_size" },
        });
      }
      const after = decodePageToken(prefix, pageToken);
      return sqliteGuarded("list", () => {
        const upper = prefixUpperBound(prefix);
        const statement =
          after === undefined
            ? upper === undefined
              ? list.first
              : list.firstBounded
            : upper === undefined
              ? list.next
              : list.nextBounded;
        const params: Record<string, unknown> = { namespace, lower: after ?? prefix, now: now(), limit: pageSize + 1 };
        if (upper !== undefined) params.upper = upper;
        const keys = statement.all(params).map((row) => row.key);
        if (keys.length <= pageSize) return { keys, nextPageToken: "" };
        keys.length = pageSize;
        return { keys, nextPageToken: encodePageToken(prefix, keys[pageSize - 1] ?? "") };
      })();
    },
    sweepExpired: sqliteGuarded("sweep", (limit: number) => sweep.run(now(), limit).changes),
  };
}
