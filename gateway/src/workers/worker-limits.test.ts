import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_PUBLIC_LIMITS } from "../surfaces/public-limits.js";
import { divideInFlightPerPlugin, divideLimits } from "./worker-limits.js";

describe("divideLimits", () => {
  it("divides the gateway-wide bounds between the workers and keeps the per-connection ones", () => {
    expect(divideLimits(DEFAULT_PUBLIC_LIMITS, 2)).toEqual({
      ...DEFAULT_PUBLIC_LIMITS,
      maxConnections: 2048,
      maxConnectionsPerAddress: 512,
      maxInFlight: 128,
      maxQueued: 256,
      maxWebSocketClients: 512,
    });
    expect(divideLimits(DEFAULT_PUBLIC_LIMITS, 1)).toEqual(DEFAULT_PUBLIC_LIMITS);
  });

  it("never admits less than one per worker, nor more in all than the total plus rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 256 }),
        (maxInFlight, maxQueued, workers) => {
          const share = divideLimits({ ...DEFAULT_PUBLIC_LIMITS, maxInFlight, maxQueued }, workers);
          expect(share.maxInFlight).toBeGreaterThanOrEqual(1);
          expect(share.maxInFlight * workers).toBeLessThan(Math.max(maxInFlight, workers) + workers);
          expect(share.maxQueued * workers).toBeLessThan(maxQueued + workers);
          expect(share.maxQueued * workers).toBeGreaterThanOrEqual(maxQueued);
        },
      ),
    );
    expect(divideInFlightPerPlugin(64, 3)).toBe(22);
    expect(divideInFlightPerPlugin(1, 8)).toBe(1);
  });
});
