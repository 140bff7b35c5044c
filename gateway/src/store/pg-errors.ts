import { ErrorCode, PolyplugError } from "../errors.js";

/** `url` without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable database URL)";
  }
}

/** SQLSTATE classes that mean "the server or the connection is the problem, try again later". */
const transientClasses = ["08", "53", "57", "58", "40"];
/** Node socket errors of a server that is down or unreachable. */
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
]);

function codeOf(reason: unknown): string | undefined {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function isTransient(reason: unknown, message: string): boolean {
  const code = codeOf(reason);
  if (code && socketCodes.has(code)) return true;
  if (code && /^[0-9A-Z]{5}$/.test(code) && transientClasses.includes(code.slice(0, 2))) return true;
  // node-postgres reports a dead or ended pool/client with plain Errors.
  return /Connection terminated|Client has encountered a connection error|Cannot use a pool after calling end|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/**
 * Converts a failure to connect to or migrate the PostgreSQL store into a PolyplugError
 * naming the (password-redacted) URL: `unavailable` when the server cannot be reached,
 * `failed_precondition` for anything else (authentication, missing database, schema).
 */
export function pgOpenError(reason: unknown, url: string): PolyplugError {
  if (reason instanceof PolyplugError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const where = redactDatabaseUrl(url);
  const code = codeOf(reason);
  const details = { database: where, ...(code ? { pgCode: code } : {}) };
  if (isTransient(reason, message)) {
    return new PolyplugError(
      ErrorCode.Unavailable,
      `cannot reach the PostgreSQL store at ${where}: ${message}; check that the server runs and the URL is right`,
      { cause: reason, details },
    );
  }
  return new PolyplugError(ErrorCode.FailedPrecondition, `cannot use the PostgreSQL store at ${where}: ${message}`, {
    cause: reason,
    details,
  });
}

/**
 * Converts a failed store operation into a PolyplugError: `unavailable` when the server
 * is unreachable, restarting, out of resources or aborted a transaction for a conflict;
 * `internal` otherwise. PolyplugErrors pass through unchanged.
 */
export function pgOperationError(reason: unknown, operation: string): PolyplugError {
  if (reason instanceof PolyplugError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const code = codeOf(reason);
  return new PolyplugError(
    isTransient(reason, message) ? ErrorCode.Unavailable : ErrorCode.Internal,
    `store ${operation} failed: ${message}`,
    {
      cause: reason,
      details: code ? { pgCode: code } : {},
    },
  );
}

/** Wraps an async store function so its failures become `pgOperationError`s. */
export function pgGuarded<A extends unknown[], R>(
  operation: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (reason) {
      throw pgOperationError(reason, operation);
    }
  };
}
