/** Why a call was not admitted. */
export type ShedReason = "queue_full" | "queue_timeout";

/** Counters of an Admission (totals since it was created, and the current levels). */
export interface AdmissionStats {
  readonly inFlight: number;
  readonly queued: number;
  readonly admitted: number;
  readonly shed: Readonly<Record<ShedReason, number>>;
}

/** Options of createAdmission (see PublicLimits for the meaning). */
export interface AdmissionOptions {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
}

/** A bounded in-flight limit with a short bounded FIFO queue in front of it. */
export interface Admission {
  /**
   * Runs `start` at once when a slot is free, else queues it (FIFO) until a slot frees up.
   * A call that finds the queue full, or waits longer than queueTimeoutMs, gets `shed`
   * instead (queue full: synchronously). `start` receives `release`, to call once the call
   * is answered (later calls are ignored). Returns `withdraw`: the caller went away, drop
   * the queued call (neither callback runs) or release its slot.
   */
  admit(start: (release: () => void) => void, shed: (reason: ShedReason) => void): () => void;
  /**
   * Takes a slot at once, as admit() would run a call at once (a slot is free and nobody
   * waits), and returns its `release` (later calls ignored); undefined when the call would
   * have to wait or be shed — then use admit(). The common case without admit()'s closures.
   */
  tryStart(): (() => void) | undefined;
  /**
   * For calls that cannot wait: true (counted as a queue_full shed) while every slot is
   * taken and the queue is full, i.e. when admit() would shed; else false.
   */
  shedIfSaturated(): boolean;
  stats(): AdmissionStats;
}

interface Waiter {
  readonly start: (release: () => void) => void;
  readonly shed: (reason: ShedReason) => void;
  timer: NodeJS.Timeout | undefined;
  release: (() => void) | undefined;
}

/** Creates an Admission; see there. */
export function createAdmission(options: AdmissionOptions): Admission {
  let inFlight = 0;
  let admitted = 0;
  const shed: Record<ShedReason, number> = { queue_full: 0, queue_timeout: 0 };
  // A Set keeps insertion order (FIFO) and removes withdrawn waiters in O(1).
  const queue = new Set<Waiter>();

  /** Takes a slot; returns its release. */
  const take = (): (() => void) => {
    inFlight++;
    admitted++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      next();
    };
  };

  const run = (waiter: Waiter) => {
    waiter.release = take();
    waiter.start(waiter.release);
  };

  const next = () => {
    while (inFlight < options.maxInFlight && queue.size > 0) {
      const waiter = queue.values().next().value as Waiter;
      queue.delete(waiter);
      clearTimeout(waiter.timer);
      run(waiter);
    }
  };

  return {
    admit(start, onShed) {
      const waiter: Waiter = { start, shed: onShed, timer: undefined, release: undefined };
      const withdraw = () => {
        if (queue.delete(waiter)) clearTimeout(waiter.timer);
        else waiter.release?.();
      };
      if (inFlight < options.maxInFlight && queue.size === 0) {
        run(waiter);
        return withdraw;
      }
      if (queue.size >= options.maxQueued) {
        shed.queue_full++;
        onShed("queue_full");
        return withdraw;
      }
      queue.add(waiter);
      waiter.timer = setTimeout(() => {
        if (!queue.delete(waiter)) return;
        shed.queue_timeout++;
        onShed("queue_timeout");
      }, options.queueTimeoutMs);
      return withdraw;
    },
    tryStart: () => (inFlight < options.maxInFlight && queue.size === 0 ? take() : undefined),
    shedIfSaturated() {
      if (inFlight < options.maxInFlight || queue.size < options.maxQueued) return false;
      shed.queue_full++;
      return true;
    },
    stats: () => ({ inFlight, queued: queue.size, admitted, shed: { ...shed } }),
  };
}
