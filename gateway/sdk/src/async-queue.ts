/**
 * A single-consumer async queue: producers `push`, one consumer iterates. `push` returns a
 * promise that settles when the consumer has taken the item (so producers can wait for
 * back-pressure), or rejects when the queue is closed first.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: Array<{ value: T; taken: () => void; dropped: (reason: Error) => void }> = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private closeReason: Error | undefined;

  /** Number of items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Enqueues `value`; resolves once the consumer took it. */
  push(value: T): Promise<void> {
    if (this.closed) return Promise.reject(this.closeReason ?? new Error("the stream is closed"));
    return new Promise<void>((taken, dropped) => {
      this.items.push({ value, taken, dropped });
      this.wake?.();
    });
  }

  /** Ends the queue after the items already pushed (`reason` unset) or at once, dropping them. */
  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (reason) for (const item of this.items.splice(0)) item.dropped(reason);
    this.wake?.();
  }

  /** True once `close` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        item.taken();
        yield item.value;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
