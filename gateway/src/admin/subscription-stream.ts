/**
 * Turns a push subscription into an async iterable for a server-streaming RPC: `subscribe`
 * gets a `push` function and returns its unsubscribe function. Items wait in a queue of at
 * most `maxQueued`; a consumer that falls further behind loses the oldest ones (the
 * producer never blocks), and is told how many through `onDropped` before the next item.
 * The iteration ends when `signal` aborts (the caller went away or the server closes) and
 * always unsubscribes.
 */
export async function* subscriptionStream<T>(
  subscribe: (push: (item: T) => void) => () => void,
  signal: AbortSignal,
  options: { readonly maxQueued?: number; readonly onDropped?: (count: number) => T } = {},
): AsyncGenerator<T> {
  const maxQueued = options.maxQueued ?? 1000;
  const queue: T[] = [];
  let dropped = 0;
  let wake: (() => void) | undefined;
  const unsubscribe = subscribe((item) => {
    queue.push(item);
    if (queue.length > maxQueued) {
      queue.shift();
      dropped++;
    }
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      if (dropped > 0 && options.onDropped) {
        const count = dropped;
        dropped = 0;
        yield options.onDropped(count);
      }
      const item = queue.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}
