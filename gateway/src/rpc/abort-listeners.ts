import { getEventListeners } from "node:events";

/**
 * Abort listeners that act only on calls they track, registered with the test that they track
 * none: rpc/h2 keeps one such listener on a caller's signal for the signal's whole life (it
 * cancels the plugin calls in flight on it). While it tracks no call, aborting the signal
 * would do nothing through it, so a signal that successive calls share
 * (surfaces/call-signals.ts) need not be replaced for it.
 */
const idleTests = new WeakMap<object, () => boolean>();

/** Registers `listener` as harmless while `idle()` is true; returns it. */
export function callScopedListener<L extends object>(listener: L, idle: () => boolean): L {
  idleTests.set(listener, idle);
  return listener;
}

/**
 * Whether aborting `signal` now would reach anything: an "abort" listener that is not a
 * call-scoped one tracking no call (any listener not registered counts as live).
 */
export function hasLiveAbortListeners(signal: AbortSignal): boolean {
  for (const listener of getEventListeners(signal, "abort")) {
    const idle = idleTests.get(listener);
    if (idle === undefined || !idle()) return true;
  }
  return false;
}
