import { afterEach, describe, expect, it, vi } from "vitest";
import { PolyplugError } from "../errors.js";
import { createExpirySweeper } from "./expiry-sweeper.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("the expiry sweeper", () => {
  it("sweeps every period until stopped, and restarting replaces the period", () => {
    vi.useFakeTimers();
    let sweeps = 0;
    const sweeper = createExpirySweeper(() => sweeps++, undefined);
    sweeper.start(100);
    vi.advanceTimersByTime(350);
    expect(sweeps).toBe(3);
    sweeper.start(1000);
    vi.advanceTimersByTime(999);
    expect(sweeps).toBe(3);
    vi.advanceTimersByTime(1);
    expect(sweeps).toBe(4);
    sweeper.stop();
    vi.advanceTimersByTime(10_000);
    expect(sweeps).toBe(4);
    sweeper.stop(); // stopping again is a no-op
  });

  it("reports what a sweep throws (SQLite) or rejects with (PostgreSQL) and keeps sweeping", async () => {
    vi.useFakeTimers();
    const errors: PolyplugError[] = [];
    let sweeps = 0;
    const sweeper = createExpirySweeper(
      () => {
        sweeps++;
        if (sweeps === 1) throw new Error("database is locked");
        return Promise.reject(new Error("connection terminated"));
      },
      (error) => errors.push(error),
    );
    sweeper.start(100);
    await vi.advanceTimersByTimeAsync(200);
    sweeper.stop();
    expect(sweeps).toBe(2);
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof PolyplugError)).toBe(true);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining("database is locked"),
      expect.stringContaining("connection terminated"),
    ]);
  });
});
