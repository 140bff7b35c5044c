import { ErrorCode, PolyplugError } from "../errors.js";

/** Default most hook calls (intercept and command) in flight to one plugin at once. */
export const DEFAULT_PLUGIN_IN_FLIGHT_LIMIT = 64;

/**
 * Counts hook calls in flight per plugin and refuses one past the limit at once (never
 * queues it): a plugin that is slower than the traffic sees at most `limit` calls, so the
 * gateway's own queueing never turns into deadline misses at the plugin. A refused call is
 * a `resource_exhausted` failure, handled by the chain's fail mode like any other.
 */
export class PluginInFlight {
  private readonly counts = new Map<string, number>();

  /** `limit`: calls per plugin, at least 1. */
  constructor(readonly limit: number = DEFAULT_PLUGIN_IN_FLIGHT_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `the per-plugin in-flight limit must be a whole number of at least 1, got ${limit}`,
      );
  }

  /** Takes a slot for `pluginId`; throws resource_exhausted when all are taken. Call `release` once done. */
  acquire(pluginId: string): void {
    const count = this.counts.get(pluginId) ?? 0;
    if (count >= this.limit) {
      throw new PolyplugError(
        ErrorCode.ResourceExhausted,
        `plugin ${pluginId} already has ${count} hook calls in flight (the per-plugin limit, maxInFlightPerPlugin); try again shortly`,
        {
          details: { pluginId, limit: this.limit },
        },
      );
    }
    this.counts.set(pluginId, count + 1);
  }

  release(pluginId: string): void {
    const count = (this.counts.get(pluginId) ?? 1) - 1;
    if (count <= 0) this.counts.delete(pluginId);
    else this.counts.set(pluginId, count);
  }

  /** Calls in flight to `pluginId` now. */
  current(pluginId: string): number {
    return this.counts.get(pluginId) ?? 0;
  }
}
