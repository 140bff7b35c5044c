import { describe, expect, it } from "vitest";
import { DEFAULT_SUPERVISION_POLICY, FailureWindow, restartDelayMs } from "./policy.js";

describe("restart policy", () => {
  it("backs off exponentially up to the cap", () => {
    const delays = [1, 2, 3, 4, 10].map((n) => restartDelayMs(DEFAULT_SUPERVISION_POLICY, n));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 60_000]);
  });

  it("calls more than 3 failures within 60 minutes a crash loop, and forgets old ones", () => {
    const window = new FailureWindow(DEFAULT_SUPERVISION_POLICY);
    const hour = 60 * 60_000;
    for (const at of [0, 1000, 2000]) window.record(at);
    expect(window.isCrashLoop()).toBe(false);
    window.record(hour + 1500);
    expect(window.isCrashLoop()).toBe(false);
    window.record(hour + 1600);
    window.record(hour + 1700);
    expect(window.isCrashLoop()).toBe(true);
  });
});
