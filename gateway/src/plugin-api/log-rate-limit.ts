import { createTokenBucket } from "../token-bucket.js";

/** Token-bucket settings for a plugin's GatewayAPI.Log records. */
export interface LogRateLimit {
  /** Records per second sustained. */
  readonly perSecond: number;
  /** Records allowed in a burst above the sustained rate. */
  readonly burst: number;
}

/** Default: 1000 records/s sustained, bursts of 2000. */
export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = { perSecond: 1000, burst: 2000 };

/** Decides, per record, whether it may be written; counts the ones that may not. */
export interface LogRateLimiter {
  /** True when the record may be written; false (and counted) when it is dropped. */
  take(): boolean;
  /** How many records were dropped since the last call, resetting the count. */
  drainDropped(): number;
}

/** A token bucket on the clock `now` (epoch milliseconds). */
export function createLogRateLimiter(limit: LogRateLimit, now: () => number): LogRateLimiter {
  const bucket = createTokenBucket(limit.perSecond, limit.burst, now);
  let dropped = 0;
  return {
    take() {
      if (bucket.take()) return true;
      dropped += 1;
      return false;
    },
    drainDropped() {
      const count = dropped;
      dropped = 0;
      return count;
    },
  };
}
