import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAdmission, type ShedReason } from "./admission.js";

describe("createAdmission", () => {
  it("tryStart takes a free slot only when nobody waits, counts it as admitted, and its release serves the queue", () => {
    const admission = createAdmission({ maxInFlight: 2, maxQueued: 1, queueTimeoutMs: 60_000 });
    const first = admission.tryStart();
    const second = admission.tryStart();
    expect(first).toBeTypeOf("function");
    expect(second).toBeTypeOf("function");
    expect(admission.tryStart()).toBeUndefined(); // every slot taken: the caller must admit() (and queue)
    const started: number[] = [];
    admission.admit(
      () => started.push(1),
      () => started.push(-1),
    );
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 1, admitted: 2 });
    first?.();
    first?.(); // a second release is ignored
    expect(started).toEqual([1]);
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 0, admitted: 3 });
    second?.();
    expect(admission.stats()).toMatchObject({ inFlight: 1 });
    expect(admission.tryStart()).toBeTypeOf("function");
    expect(admission.stats()).toMatchObject({ inFlight: 2, admitted: 4 });
  });

  it("runs up to maxInFlight at once, queues up to maxQueued in order, sheds the rest at once", () => {
    const admission = createAdmission({ maxInFlight: 2, maxQueued: 2, queueTimeoutMs: 60_000 });
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const shed: [number, ShedReason][] = [];
    for (let i = 0; i < 6; i++) {
      admission.admit(
        (release) => {
          started.push(i);
          releases.push(release);
        },
        (reason) => shed.push([i, reason]),
      );
    }
    expect(started).toEqual([0, 1]);
    expect(shed).toEqual([
      [4, "queue_full"],
      [5, "queue_full"],
    ]);
    expect(admission.stats()).toMatchObject({
      inFlight: 2,
      queued: 2,
      admitted: 2,
      shed: { queue_full: 2, queue_timeout: 0 },
    });
    releases[0]?.();
    releases[0]?.(); // a second release of the same call is ignored
    expect(started).toEqual([0, 1, 2]);
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 1 });
    releases[1]?.();
    releases[2]?.();
    releases[3]?.();
    releases[4]?.();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0, admitted: 4 });
  });

  it("sheds a call that waited queueTimeoutMs, and never starts it later", async () => {
    const admission = createAdmission({ maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 20 });
    let release: (() => void) | undefined;
    admission.admit(
      (r) => (release = r),
      () => expect.unreachable(),
    );
    let late = false;
    const reason = await new Promise<ShedReason>((resolve) => admission.admit(() => (late = true), resolve));
    expect(reason).toBe("queue_timeout");
    release?.();
    expect(late).toBe(false);
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0, shed: { queue_timeout: 1 } });
  });

  it("withdraw drops a queued call (no callback) and frees a running call's slot", () => {
    const admission = createAdmission({ maxInFlight: 1, maxQueued: 1, queueTimeoutMs: 60_000 });
    const withdrawRunning = admission.admit(
      () => {},
      () => expect.unreachable(),
    );
    const withdrawQueued = admission.admit(
      () => expect.unreachable(),
      () => expect.unreachable(),
    );
    withdrawQueued();
    expect(admission.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    withdrawRunning();
    withdrawRunning();
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("never exceeds its bounds, whatever the order of calls, releases and withdrawals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (maxInFlight, maxQueued, script) => {
          const admission = createAdmission({ maxInFlight, maxQueued, queueTimeoutMs: 60_000 });
          const running: (() => void)[] = [];
          const handles: (() => void)[] = [];
          let accounted = 0;
          for (const step of script) {
            if (step % 3 === 0 || running.length === 0) {
              handles.push(
                admission.admit(
                  (release) => running.push(release),
                  () => accounted++,
                ),
              );
            } else if (step % 3 === 1) {
              running.splice(step % running.length, 1)[0]?.();
            } else {
              handles[step % handles.length]?.();
            }
            const stats = admission.stats();
            expect(stats.inFlight).toBeLessThanOrEqual(maxInFlight);
            expect(stats.queued).toBeLessThanOrEqual(maxQueued);
            // A queued call waits only while every slot is taken.
            if (stats.queued > 0) expect(stats.inFlight).toBe(maxInFlight);
          }
          for (const handle of handles) handle();
          expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0 });
          expect(accounted).toBe(admission.stats().shed.queue_full);
        },
      ),
    );
  });
});
