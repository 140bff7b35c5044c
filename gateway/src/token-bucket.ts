/** A token bucket: `ratePerSecond` sustained, `burst` at once, on the clock `now` (ms). */
export interface TokenBucket {
  /** Takes one token; false when none is left (the caller drops or waits). */
  take(): boolean;
  /** True when `take` would fail now (nothing taken). */
  empty(): boolean;
}

/** Creates a full token bucket. Used for plugin output and GatewayAPI log floods. */
export function createTokenBucket(ratePerSecond: number, burst: number, now: () => number): TokenBucket {
  let tokens = burst;
  let last = now();
  const refill = () => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - last) / 1000) * ratePerSecond);
    last = at;
  };
  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    empty() {
      refill();
      return tokens < 1;
    },
  };
}
