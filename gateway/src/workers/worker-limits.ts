import type { PublicLimits } from "../surfaces/public-limits.js";

/**
 * One worker's share of the operator's public limits: the bounds that count things across the
 * whole gateway (connections, connections per address, in-flight and queued calls, WebSocket
 * clients) are divided between the workers, rounded up, so together they admit at most what
 * one process would (plus rounding). Per-connection and per-request bounds (streams, resets,
 * timeouts) apply to each connection as they are. Connections are handed out round-robin,
 * so the shares fill evenly.
 */
export function divideLimits(limits: PublicLimits, workers: number): PublicLimits {
  const share = (total: number) => Math.max(1, Math.ceil(total / workers));
  return {
    ...limits,
    maxConnections: share(limits.maxConnections),
    maxConnectionsPerAddress: share(limits.maxConnectionsPerAddress),
    maxInFlight: share(limits.maxInFlight),
    maxQueued: Math.ceil(limits.maxQueued / workers),
    maxWebSocketClients: share(limits.maxWebSocketClients),
  };
}

/** One worker's share of the per-plugin in-flight bound (each worker has its own connections). */
export function divideInFlightPerPlugin(maxInFlightPerPlugin: number, workers: number): number {
  return Math.max(1, Math.ceil(maxInFlightPerPlugin / workers));
}
