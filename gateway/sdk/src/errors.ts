/**
 * The one error class of the gateway, with a closed set of codes. Codes are what
 * callers and tests branch on and what the CLI prints; messages say what went wrong
 * and, where it helps, what to do about it. These are the gateway's API codes; the
 * contract's codes (proto enum, `ContractCode`) and the one table between the two are in
 * contract/codes.ts.
 */
export const ErrorCode = {
  /** A caller passed options that cannot work (bad command, bad cookie syntax...). */
  InvalidArgument: "invalid_argument",
  /** The plugin executable could not be started at all (missing, not executable). */
  StartFailed: "start_failed",
  /** The plugin did not print its handshake line within the start timeout. */
  HandshakeTimeout: "handshake_timeout",
  /** The first stdout line is not a go-plugin handshake line. */
  HandshakeInvalid: "handshake_invalid",
  /** Core protocol or app protocol version not acceptable to this host. */
  IncompatibleVersion: "incompatible_version",
  /** The plugin speaks a protocol other than gRPC (e.g. netrpc). */
  UnsupportedProtocol: "unsupported_protocol",
  /** The plugin process exited (before the handshake, or while in use). */
  PluginExited: "plugin_exited",
  /** AutoMTLS could not be set up or the TLS handshake failed. */
  TlsFailed: "tls_failed",
  /** The gRPC connection to the plugin could not be established or was lost. */
  Unavailable: "unavailable",
  /** The health check answered with an error or a status other than SERVING. */
  Unhealthy: "unhealthy",
  /** A broker id was not announced in time, or a brokered connection failed. */
  BrokerFailed: "broker_failed",
  /** Reattaching to a running plugin failed (no such pid, address not answering). */
  ReattachFailed: "reattach_failed",
  /** The plugin answered a call with a gRPC error status (see `details.grpcStatus`). */
  RpcFailed: "rpc_failed",
  /** No such plugin, command, route or topic subscriber. */
  NotFound: "not_found",
  /** A payload, key, value or queue is over its limit (the message names the limit). */
  ResourceExhausted: "resource_exhausted",
  /** Two things claim the same name (e.g. two plugins registering one command). */
  Conflict: "conflict",
  /** The plugin's handler failed (raised, panicked, or answered an invalid response). */
  PluginFailed: "plugin_failed",
  /** The plugin does not implement the hook or method called. */
  Unimplemented: "unimplemented",
  /** The operation is not allowed in the current state (e.g. plugin disabled or failed). */
  FailedPrecondition: "failed_precondition",
  /** Missing or wrong credentials. */
  PermissionDenied: "permission_denied",
  /** A call ran past its deadline. */
  DeadlineExceeded: "deadline_exceeded",
  /** The caller cancelled. */
  Cancelled: "cancelled",
  /** A bug or an unexpected condition inside the gateway. */
  Internal: "internal",
} as const;

/** One of the closed set of error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes = new Set<string>(Object.values(ErrorCode));

/** Extra facts attached to an error, shown by the CLI and kept in JSON output. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The gateway's error: a code, a message for humans, an optional cause and details. */
export class PolyplugError extends Error {
  override readonly name = "PolyplugError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Normalises anything thrown into a PolyplugError (code `internal` unless it already is one). */
  static from(reason: unknown, fallback: ErrorCode = ErrorCode.Internal): PolyplugError {
    if (reason instanceof PolyplugError) return reason;
    if (reason instanceof Error) return new PolyplugError(fallback, reason.message, { cause: reason });
    return new PolyplugError(fallback, String(reason));
  }

  /** True when `value` is one of the closed codes. */
  static isCode(value: string): value is ErrorCode {
    return knownCodes.has(value);
  }

  /** A plain object for JSON output. */
  toJSON(): { code: ErrorCode; message: string; details?: ErrorDetails } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}
