import { ErrorCode, PolyplugError } from "../errors.js";
import type { PostgresStore } from "./pg-store.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { GatewayStore } from "./store.js";

/** Options of openGatewayStore. */
export interface OpenGatewayStoreOptions {
  /** `postgres://…` (or `postgresql://…`) to share state with other gateways; undefined or empty = SQLite. */
  readonly database?: string | undefined;
  /** The SQLite file used when no database URL is given. */
  readonly sqlitePath: string;
  /** Errors of background work (expiry sweep, dropped idle connections). */
  readonly onBackgroundError?: (error: PolyplugError) => void;
}

/** True when `database` names a PostgreSQL database. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//.test(database);
}

/**
 * Opens the gateway's store: PostgreSQL when a database URL is given (cluster mode),
 * otherwise the SQLite file. A URL of another scheme is `invalid_argument`.
 */
export async function openGatewayStore(options: OpenGatewayStoreOptions): Promise<GatewayStore> {
  const { database } = options;
  if (database === undefined || database === "") {
    return openSqliteStore(
      options.sqlitePath,
      options.onBackgroundError ? { onSweepError: options.onBackgroundError } : {},
    );
  }
  if (!isPostgresUrl(database)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `database must be a postgres://user:password@host:port/dbname URL, got ${JSON.stringify(database.replace(/:[^:@/]*@/, ":***@"))}; leave it out to use the embedded SQLite store`,
    );
  }
  // Loaded only in cluster mode: the pg driver and the store's SQL are megabytes a SQLite gateway never uses (issue 17, memory).
  const { openPostgresStore } = await import("./pg-store.js");
  return openPostgresStore(database, options.onBackgroundError ? { onBackgroundError: options.onBackgroundError } : {});
}

/** True for the PostgreSQL store (cluster mode). */
export function isPostgresStore(store: GatewayStore): store is PostgresStore {
  return store.kind === "postgres";
}
