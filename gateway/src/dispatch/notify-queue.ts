import type { Logger } from "pino";

/** Per-plugin notification queue limits. */
export interface NotifyQueueLimits {
  /** Notifications waiting per plugin before new ones are dropped. */
  readonly capacity: number;
  /** Notifications in flight per plugin. */
  readonly concurrency: number;
}

/** Defaults for notification queues. */
export const DEFAULT_NOTIFY_QUEUE: NotifyQueueLimits = { capacity: 1000, concurrency: 4 };

/** A bounded queue of notification deliveries for one plugin. */
export interface NotifyQueue {
  /** Queues a delivery; false (and nothing queued) when the queue is full. */
  offer(deliver: () => Promise<void>): boolean;
  readonly pending: number;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
}

/** Creates a bounded queue: never blocks the caller, drops when full, runs a few at a time. */
export function createNotifyQueue(limits: NotifyQueueLimits, logger: Logger): NotifyQueue {
  const waiting: Array<() => Promise<void>> = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];
  const pump = () => {
    while (running < limits.concurrency && waiting.length > 0) {
      const next = waiting.shift();
      if (!next) break;
      running += 1;
      next()
        .catch((error: unknown) => logger.warn({ err: error }, "notification delivery failed"))
        .finally(() => {
          running -= 1;
          pump();
        });
    }
    if (running === 0 && waiting.length === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  };
  return {
    offer(deliver) {
      if (waiting.length >= limits.capacity) return false;
      waiting.push(deliver);
      queueMicrotask(pump);
      return true;
    },
    get pending() {
      return waiting.length + running;
    },
    idle: () =>
      running === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)),
  };
}
