import { z } from "zod";
import { ErrorCode, PolyplugError } from "../errors.js";

/**
 * Admission limits of the public server (config key `limits:` of `polyplug serve`, derived
 * from publicLimitsSchema; GatewayOptions.limits). Every value is an integer. Every
 * connection, stream, queued call and slow body is bounded; beyond a bound the caller is
 * answered `resource_exhausted` at once (HTTP 429 + Retry-After, gRPC RESOURCE_EXHAUSTED)
 * or the connection is closed, so overload never turns into plugin deadline misses.
 */
export interface PublicLimits {
  /** Open TCP connections on the public port; connections beyond it are closed at once. Default 4096; at least 1. */
  readonly maxConnections: number;
  /** Open connections per remote address (all loopback callers share one address). Default 1024; at least 1. */
  readonly maxConnectionsPerAddress: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection (Node refuses streams beyond it). Default 100; at least 1. */
  readonly maxConcurrentStreams: number;
  /**
   * HTTP/2 streams a client may reset before they were answered, per connection: a burst
   * of this many, refilled at `maxResetsPerSecond`. Beyond it: GOAWAY ENHANCE_YOUR_CALM and
   * the connection is closed (CVE-2023-44487, "rapid reset"). Default 200 resets; at least 1.
   */
  readonly maxResetBurst: number;
  /** Refill rate of maxResetBurst, in resets per second. Default 100; at least 1. */
  readonly maxResetsPerSecond: number;
  /** Chain calls (Intercept, Notify, ExecuteCommand, /plugins/ HTTP) running at once, all connections together. Default 256; at least 1. */
  readonly maxInFlight: number;
  /** Chain calls waiting for a slot; beyond it they are answered resource_exhausted at once. Default 512; at least 0 (0: no queue). */
  readonly maxQueued: number;
  /** Longest wait in that queue before resource_exhausted. Default 2 000 ms; at least 1. */
  readonly queueTimeoutMs: number;
  /** The Retry-After header of resource_exhausted answers. Default 1 s; at least 1. */
  readonly retryAfterSeconds: number;
  /** Time to receive a request's headers (HTTP/1.1), and for a new connection's first bytes. Default 10 000 ms; at least 1. */
  readonly headersTimeoutMs: number;
  /**
   * Time to receive a whole request, headers and body (HTTP/1.1 answers 408; HTTP/2 resets the
   * stream). Default 60 000 ms; at least 1 (HTTP/1.1 uses at least headersTimeoutMs).
   */
  readonly requestTimeoutMs: number;
  /** An idle connection (no request in flight) is closed after this long (HTTP/1.1 keep-alive and HTTP/2). Default 60 000 ms; at least 1. */
  readonly idleTimeoutMs: number;
  /** WebSocket clients on /v1/events; beyond it upgrades are answered 503. Default 1024; at least 1. */
  readonly maxWebSocketClients: number;
}

/** The defaults of PublicLimits (README, "Limits and load shedding"). */
export const DEFAULT_PUBLIC_LIMITS: PublicLimits = {
  maxConnections: 4096,
  maxConnectionsPerAddress: 1024,
  maxConcurrentStreams: 100,
  maxResetBurst: 200,
  maxResetsPerSecond: 100,
  maxInFlight: 256,
  maxQueued: 512,
  queueTimeoutMs: 2_000,
  retryAfterSeconds: 1,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxWebSocketClients: 1024,
};

/** The bounds of PublicLimits' fields (those resolvePublicLimits checks), for configuration parsers. */
export const publicLimitsSchema = z
  .object({
    maxConnections: z.number().int().positive(),
    maxConnectionsPerAddress: z.number().int().positive(),
    maxConcurrentStreams: z.number().int().positive(),
    maxResetBurst: z.number().int().positive(),
    maxResetsPerSecond: z.number().int().positive(),
    maxInFlight: z.number().int().positive(),
    maxQueued: z.number().int().nonnegative(),
    queueTimeoutMs: z.number().int().positive(),
    retryAfterSeconds: z.number().int().positive(),
    headersTimeoutMs: z.number().int().positive(),
    requestTimeoutMs: z.number().int().positive(),
    idleTimeoutMs: z.number().int().positive(),
    maxWebSocketClients: z.number().int().positive(),
  })
  .strict() satisfies z.ZodType<PublicLimits>;

/** Overrides of some limits; undefined fields keep their defaults. */
export type PublicLimitsInit = { readonly [K in keyof PublicLimits]?: PublicLimits[K] | undefined };

/**
 * The defaults with `overrides` applied. Throws invalid_argument naming the field when a
 * value is not a positive integer (maxQueued may be 0: no queue).
 */
export function resolvePublicLimits(overrides: PublicLimitsInit = {}): PublicLimits {
  const limits: Record<string, number> = { ...DEFAULT_PUBLIC_LIMITS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_PUBLIC_LIMITS))
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `limits.${key}: unknown limit; known: ${Object.keys(DEFAULT_PUBLIC_LIMITS).join(", ")}`,
      );
    const least = key === "maxQueued" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `limits.${key}: must be an integer ≥ ${least}, got ${JSON.stringify(value)}`,
      );
    }
    limits[key] = value;
  }
  return limits as unknown as PublicLimits;
}
