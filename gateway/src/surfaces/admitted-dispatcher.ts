import type { CallOptions, Dispatcher } from "../dispatch/dispatcher.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { Admission, ShedReason } from "./admission.js";
import type { PublicLimits } from "./public-limits.js";

/** The answer to a call that was not admitted: resource_exhausted naming the limit, with a retry hint. */
export function shedError(reason: ShedReason, limits: PublicLimits): PolyplugError {
  const message =
    reason === "queue_full"
      ? `the gateway is at its limit of ${limits.maxInFlight} calls in flight and ${limits.maxQueued} waiting; retry after ${limits.retryAfterSeconds} s`
      : `the call waited ${limits.queueTimeoutMs} ms for one of the gateway's ${limits.maxInFlight} call slots; retry after ${limits.retryAfterSeconds} s`;
  return new PolyplugError(ErrorCode.ResourceExhausted, message, {
    details: { retryAfterSeconds: limits.retryAfterSeconds, reason },
  });
}

/**
 * A Dispatcher whose Intercept and ExecuteCommand calls take a slot of `admission` first:
 * they run at once, wait in its queue, or fail with resource_exhausted (shedError). The slot
 * is taken once the request has arrived in full — a slow body holds a connection (capped
 * and timed out by the server), never a call slot. Time spent waiting counts against the
 * call's deadline: a call whose deadline passes in the queue fails deadline_exceeded, and
 * the chain gets only what is left. A caller that goes away leaves the queue. Notify never
 * waits (it only queues the event, in bounded per-plugin queues) but is refused while the
 * queue is full. ServeHTTP streams are admitted per request by the public server.
 */
export function createAdmittedDispatcher(
  dispatcher: Dispatcher,
  admission: Admission,
  limits: PublicLimits,
  onShed: (reason: ShedReason) => void,
): Dispatcher {
  function admitted<T>(
    options: CallOptions | undefined,
    call: (options: CallOptions | undefined) => Promise<T>,
  ): Promise<T> {
    // A free slot (the common case): no queue, so no wrapper promise, timer or abort listener.
    const release = admission.tryStart();
    if (release !== undefined) {
      let running: Promise<T>;
      try {
        running = call(options);
      } catch (error) {
        release();
        return Promise.reject(error);
      }
      running.then(release, release);
      return running;
    }
    return new Promise<T>((resolve, reject) => {
      const queuedAt = Date.now();
      let started = false;
      let deadline: NodeJS.Timeout | undefined;
      const leave = (error: PolyplugError) => {
        if (started) return;
        withdraw();
        cleanup();
        reject(error);
      };
      const onAbort = () =>
        leave(new PolyplugError(ErrorCode.Cancelled, "the caller went away while the call waited for a slot"));
      const cleanup = () => {
        clearTimeout(deadline);
        options?.signal?.removeEventListener("abort", onAbort);
      };
      const withdraw = admission.admit(
        (release) => {
          started = true;
          cleanup();
          const waited = Date.now() - queuedAt;
          const left =
            options?.timeoutMs === undefined || waited === 0
              ? options
              : { ...options, timeoutMs: Math.max(1, options.timeoutMs - waited) };
          call(left).then(
            (value) => {
              release();
              resolve(value);
            },
            (error: unknown) => {
              release();
              reject(error);
            },
          );
        },
        (reason) => {
          cleanup();
          onShed(reason);
          reject(shedError(reason, limits));
        },
      );
      if (started) return;
      options?.signal?.addEventListener("abort", onAbort, { once: true });
      if (options?.timeoutMs !== undefined) {
        deadline = setTimeout(
          () =>
            leave(
              new PolyplugError(
                ErrorCode.DeadlineExceeded,
                `the call's deadline of ${options.timeoutMs} ms passed while it waited for one of the gateway's ${limits.maxInFlight} call slots`,
              ),
            ),
          options.timeoutMs,
        );
      }
    });
  }

  return {
    intercept: (topic, payload, options) => admitted(options, (left) => dispatcher.intercept(topic, payload, left)),
    executeCommand: (command, args, raw, options) =>
      admitted(options, (left) => dispatcher.executeCommand(command, args, raw, left)),
    notify(topic, payload, options) {
      if (admission.shedIfSaturated()) {
        onShed("queue_full");
        throw shedError("queue_full", limits);
      }
      return dispatcher.notify(topic, payload, options);
    },
    openHttpStream: (pluginId, method, path, options) => dispatcher.openHttpStream(pluginId, method, path, options),
  };
}
