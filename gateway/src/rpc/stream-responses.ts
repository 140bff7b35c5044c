/**
 * The response side of a streaming plugin call (rpc/h2 and the node:http2 fallback alike):
 * decoded messages wait here for the one reader, bounded in bytes, and the call's outcome
 * ends the iteration — normally, or by throwing its GrpcCallError.
 */
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { GrpcCallError, type RawStream } from "@polyplug/sdk/internal/rpc/unary-transport.js";

/** What libuv hands over per socket read: the most a single read can add before the reader runs. */
const SOCKET_READ_BYTES = 64 * 1024;

export class StreamResponses implements AsyncIterable<Buffer> {
  private readonly items: Buffer[] = [];
  private bytes = 0;
  private wake: (() => void) | undefined;
  private outcome: { error: GrpcCallError | undefined } | undefined;

  /** Most bytes of messages kept unread: a plugin sending faster than the reader takes them fails the call. */
  private readonly limitBytes: number;

  /**
   * @param maxMessageBytes the largest message the call accepts. One socket read can complete a
   *   message of that size and carry up to 64 KiB more before the reader runs, so the unread
   *   bound is two messages plus a read: a reader that keeps up never hits it.
   * @param onAbandon called when the reader stops iterating before the call ended (cancel it)
   */
  constructor(
    maxMessageBytes: number,
    private readonly onAbandon: () => void,
  ) {
    this.limitBytes = 2 * maxMessageBytes + SOCKET_READ_BYTES;
  }

  /** True once the call's outcome is known. */
  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /** Adds a message; returns the error to end the call with when the unread bytes exceed the limit. */
  push(message: Buffer): GrpcCallError | undefined {
    if (this.outcome) return undefined;
    if (this.bytes + message.length > this.limitBytes && this.items.length > 0)
      return new GrpcCallError(
        status.RESOURCE_EXHAUSTED,
        `the plugin sent more than ${this.limitBytes} bytes of stream messages that were not read yet`,
      );
    this.items.push(message);
    this.bytes += message.length;
    this.wake?.();
    return undefined;
  }

  /** The call is over: the reader gets the messages already here, then `error` (if any) or the end. */
  end(error: GrpcCallError | undefined): void {
    if (this.outcome) return;
    this.outcome = { error };
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        const message = this.items.shift();
        if (message) {
          this.bytes -= message.length;
          yield message;
          continue;
        }
        if (this.outcome) {
          if (this.outcome.error) throw this.outcome.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      if (!this.outcome) this.onAbandon();
    }
  }
}

/** A streaming call that failed before it started (transport closed, deadline passed, caller cancelled). */
export function failedStream(error: GrpcCallError): RawStream {
  const responses = new StreamResponses(0, () => undefined);
  responses.end(error);
  return {
    send: () => false,
    drained: () => Promise.resolve(),
    end: () => undefined,
    cancel: () => undefined,
    responses,
  };
}
