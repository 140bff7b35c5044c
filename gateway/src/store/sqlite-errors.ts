import { ErrorCode, PolyplugError } from "../errors.js";

/** SQLite result codes (primary, before the extended part) that mean "try again later". */
const transientCodes = new Set([
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_IOERR",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY",
  "SQLITE_PERM",
]);
/** SQLite result codes that mean the file is not (or no longer) a usable database. */
const corruptCodes = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);

function primaryCode(reason: unknown): string | undefined {
  const code = (reason as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  const [a, b] = code.split("_");
  return `${a}_${b}`;
}

/**
 * Converts a failure to open or migrate the store at `path` into a PolyplugError that
 * names the path: `unavailable` for I/O and permission problems, `failed_precondition`
 * for a file that is not a SQLite database or is corrupt.
 */
export function storeOpenError(reason: unknown, path: string): PolyplugError {
  if (reason instanceof PolyplugError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const code = primaryCode(reason);
  if (code && corruptCodes.has(code)) {
    return new PolyplugError(
      ErrorCode.FailedPrecondition,
      `the gateway store at ${path} is not a SQLite database or is corrupt (${message}); move it aside to start with an empty store`,
      { cause: reason, details: { path, sqliteCode: code } },
    );
  }
  return new PolyplugError(
    ErrorCode.Unavailable,
    `cannot open the gateway store at ${path}: ${message}; check that the directory exists and is writable`,
    { cause: reason, details: { path, ...(code ? { sqliteCode: code } : {}) } },
  );
}

/**
 * Converts a failure of a store operation into a PolyplugError: `unavailable` for
 * transient conditions (locked by another process past the busy timeout, I/O error,
 * disk full), `internal` otherwise. PolyplugErrors pass through unchanged.
 */
export function storeOperationError(reason: unknown, operation: string): PolyplugError {
  if (reason instanceof PolyplugError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const code = primaryCode(reason);
  // better-sqlite3 throws a TypeError once the store was closed (gateway shutting down).
  const closed = reason instanceof TypeError && /connection is not open/.test(message);
  const errorCode = closed || (code && transientCodes.has(code)) ? ErrorCode.Unavailable : ErrorCode.Internal;
  return new PolyplugError(errorCode, `store ${operation} failed: ${message}`, {
    cause: reason,
    details: code ? { sqliteCode: code } : {},
  });
}

/** Wraps a synchronous store function so its failures become `storeOperationError`s. */
export function sqliteGuarded<A extends unknown[], R>(operation: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (reason) {
      throw storeOperationError(reason, operation);
    }
  };
}

/** `sqliteGuarded`, answering through a promise (the store contracts are async for the shared PostgreSQL backend). */
export function sqliteGuardedAsync<A extends unknown[], R>(
  operation: string,
  fn: (...args: A) => R,
): (...args: A) => Promise<R> {
  const run = sqliteGuarded(operation, fn);
  return async (...args) => run(...args);
}
