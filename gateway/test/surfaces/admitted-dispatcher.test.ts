// The in-flight limit at the dispatch boundary: slots are taken once a request is read,
// queue time counts against the call's deadline, callers that leave free their place.
import { describe, expect, it } from "vitest";
import type { CallOptions } from "../../src/dispatch/dispatcher.js";
import { createAdmission } from "../../src/surfaces/admission.js";
import { createAdmittedDispatcher } from "../../src/surfaces/admitted-dispatcher.js";
import { resolvePublicLimits } from "../../src/surfaces/public-limits.js";
import { FakeDispatcher } from "./fake-dispatcher.js";

function setup(maxInFlight: number, maxQueued: number, queueTimeoutMs = 60_000) {
  const fake = new FakeDispatcher();
  const releases: (() => void)[] = [];
  const seen: (CallOptions | undefined)[] = [];
  fake.onIntercept = (_topic, payload, options) => {
    seen.push(options);
    return new Promise((resolve) =>
      releases.push(() => resolve({ requestId: "r", allowed: true, payload, modified: false, steps: [] })),
    );
  };
  const limits = resolvePublicLimits({ maxInFlight, maxQueued, queueTimeoutMs, retryAfterSeconds: 3 });
  const admission = createAdmission(limits);
  const sheds: string[] = [];
  const dispatcher = createAdmittedDispatcher(fake, admission, limits, (reason) => sheds.push(reason));
  return { fake, dispatcher, admission, releases, seen, sheds };
}

describe("createAdmittedDispatcher", () => {
  it("a call that runs at once gets the caller's options and frees its slot however it ends", async () => {
    const { fake, dispatcher, admission, releases, seen } = setup(1, 1);
    const signal = new AbortController().signal;
    const options = { requestId: "a", timeoutMs: 500, signal, metadata: {} };
    const answered = dispatcher.intercept("t.a", {}, options);
    expect(seen[0]).toBe(options); // nothing waited: the deadline is untouched
    expect(admission.stats()).toMatchObject({ inFlight: 1 });
    releases.shift()?.();
    await answered;
    expect(admission.stats()).toMatchObject({ inFlight: 0, admitted: 1 });
    fake.onIntercept = () => Promise.reject(new Error("chain failed"));
    await expect(dispatcher.intercept("t.a", {})).rejects.toThrow("chain failed");
    expect(admission.stats()).toMatchObject({ inFlight: 0, admitted: 2 });
    fake.onIntercept = () => {
      throw new Error("thrown at once");
    };
    await expect(dispatcher.intercept("t.a", {})).rejects.toThrow("thrown at once");
    expect(admission.stats()).toMatchObject({ inFlight: 0, admitted: 3 });
  });

  it("sheds past the queue with resource_exhausted carrying the retry hint", async () => {
    const { dispatcher, releases, sheds } = setup(1, 1);
    const first = dispatcher.intercept("t.a", {});
    const second = dispatcher.intercept("t.a", {});
    await expect(dispatcher.intercept("t.a", {})).rejects.toMatchObject({
      code: "resource_exhausted",
      details: { retryAfterSeconds: 3, reason: "queue_full" },
    });
    expect(() => dispatcher.notify("t.a", {})).toThrow(/at its limit of 1 calls in flight and 1 waiting/);
    expect(sheds).toEqual(["queue_full", "queue_full"]);
    releases.shift()?.();
    await first;
    await expect.poll(() => releases.length).toBe(1);
    releases.shift()?.();
    await second;
    expect(dispatcher.notify("t.a", {}).queuedFor).toEqual(["p1"]);
  });

  it("a call whose deadline passes in the queue fails deadline_exceeded and never runs; the wait is taken off the chain's deadline", async () => {
    const { dispatcher, admission, releases, seen } = setup(1, 4);
    const first = dispatcher.intercept("t.a", {});
    await expect(dispatcher.intercept("t.a", {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "deadline_exceeded",
    });
    expect(admission.stats().queued).toBe(0);
    const waiting = dispatcher.intercept("t.a", {}, { timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    releases.shift()?.();
    await first;
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]?.timeoutMs).toBeLessThan(60_000);
    releases.shift()?.();
    await waiting;
  });

  it("a caller that goes away leaves the queue (cancelled) and frees its place", async () => {
    const { dispatcher, admission, releases } = setup(1, 1);
    const first = dispatcher.intercept("t.a", {});
    const abort = new AbortController();
    const leaving = dispatcher.intercept("t.a", {}, { signal: abort.signal });
    expect(admission.stats().queued).toBe(1);
    abort.abort();
    await expect(leaving).rejects.toMatchObject({ code: "cancelled" });
    expect(admission.stats().queued).toBe(0);
    releases.shift()?.();
    await first;
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
