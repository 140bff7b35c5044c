import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../errors.js";
import { PluginInFlight } from "./in-flight.js";

describe("PluginInFlight", () => {
  it("refuses the call past the limit at once with resource_exhausted, per plugin, and frees slots on release", () => {
    const inFlight = new PluginInFlight(2);
    inFlight.acquire("p.a");
    inFlight.acquire("p.a");
    inFlight.acquire("p.b");
    let error: unknown;
    try {
      inFlight.acquire("p.a");
    } catch (reason) {
      error = reason;
    }
    expect(error).toBeInstanceOf(PolyplugError);
    expect((error as PolyplugError).code).toBe(ErrorCode.ResourceExhausted);
    expect((error as PolyplugError).message).toMatch(/plugin p.a already has 2 hook calls in flight/);
    inFlight.release("p.a");
    expect(() => inFlight.acquire("p.a")).not.toThrow();
    expect(inFlight.current("p.a")).toBe(2);
  });

  it("refuses a limit below 1", () => {
    expect(() => new PluginInFlight(0)).toThrow(/at least 1/);
  });
});
