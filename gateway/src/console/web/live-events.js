// One StreamEvents subscription for the whole console, fanned out to its views, with the
// last events kept for the feed. Each (re)connection first asks the gateway for its recent
// history (it keeps the last 100), so a console opened later shows what happened; events
// already seen are skipped. Reconnects (after 1 s) when the stream drops.

const HISTORY = 200;
const RECENT = 100;

/** Creates the event bus over an Admin client; call start() once signed in. */
export function createLiveEvents(client) {
  const listeners = new Set();
  const history = [];
  let controller;
  let connected = false;
  let loaded = false;
  let lastSeen = 0;
  const statusListeners = new Set();
  const setConnected = (value) => {
    connected = value;
    for (const listener of statusListeners) listener(value);
  };

  async function run(signal) {
    while (!signal.aborted) {
      try {
        setConnected(true);
        // The history arrives first; "loaded" once the gateway had time to send it.
        setTimeout(() => {
          loaded = true;
          for (const listener of statusListeners) listener(connected);
        }, 300);
        await client.stream(
          "StreamEvents",
          { recent: RECENT },
          (event) => {
            const at = Date.parse(event.time ?? "") || 0;
            if (at && at < lastSeen) return;
            if (
              at &&
              at === lastSeen &&
              history.some((seen) => seen.time === event.time && JSON.stringify(seen) === JSON.stringify(event))
            )
              return;
            lastSeen = Math.max(lastSeen, at);
            history.push(event);
            if (history.length > HISTORY) history.shift();
            for (const listener of listeners) listener(event);
          },
          signal,
        );
      } catch (error) {
        if (signal.aborted || error?.code === "unauthenticated") break;
      }
      setConnected(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    setConnected(false);
  }

  return {
    /** Opens the stream (idempotent). */
    start() {
      if (controller) return;
      controller = new AbortController();
      void run(controller.signal);
    },
    stop() {
      controller?.abort();
      controller = undefined;
    },
    /** Calls `listener(event)` for every new event (AdminStreamEventsResponse JSON); returns the unsubscribe function. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The most recent events, oldest first. */
    recent: () => [...history],
    /** True once the first connection had time to deliver the gateway's history. */
    loaded: () => loaded,
    /** Calls `listener(connected)` when the stream opens or drops; returns the unsubscribe function. */
    onStatus(listener) {
      statusListeners.add(listener);
      listener(connected);
      return () => statusListeners.delete(listener);
    },
  };
}
