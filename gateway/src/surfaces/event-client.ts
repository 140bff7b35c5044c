import type { WebSocket } from "ws";

/** Limits of one WebSocket client's outgoing queue. */
export interface EventClientLimits {
  /** Bytes handed to the socket but not yet flushed before the client counts as slow. */
  readonly maxInFlightBytes: number;
  /** Frames waiting behind a slow client; beyond it the oldest are dropped (and counted). */
  readonly maxQueuedFrames: number;
}

/** What the hub reports about a client. */
export interface EventClientStats {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Frames waiting in the gateway for this client. */
  readonly queued: number;
  /** Events dropped for this client because it read too slowly, since it connected. */
  readonly dropped: number;
}

/**
 * One connected WebSocket client and its bounded send queue. `enqueue` never blocks: it
 * hands frames to the socket while fewer than maxInFlightBytes are unflushed, queues the
 * rest, and past maxQueuedFrames drops the oldest queued frame. Before the next frame
 * after a drop the client receives `{"type":"dropped","count":n}`.
 */
export class EventClient {
  private readonly queue: string[] = [];
  private inFlightBytes = 0;
  private droppedTotal = 0;
  private droppedUnreported = 0;

  constructor(
    readonly id: string,
    readonly labels: Readonly<Record<string, string>>,
    private readonly socket: WebSocket,
    private readonly limits: EventClientLimits,
  ) {}

  /** Queues one serialized frame for the client. */
  enqueue(frame: string): void {
    this.queue.push(frame);
    if (this.queue.length > this.limits.maxQueuedFrames) {
      this.queue.shift();
      this.droppedTotal++;
      this.droppedUnreported++;
    }
    this.flush();
  }

  /** Sends a frame now, bypassing the queue (hello, protocol messages). */
  sendNow(frame: string): void {
    this.write(frame);
  }

  stats(): EventClientStats {
    return { id: this.id, labels: this.labels, queued: this.queue.length, dropped: this.droppedTotal };
  }

  private flush(): void {
    while (
      this.queue.length > 0 &&
      this.inFlightBytes < this.limits.maxInFlightBytes &&
      this.socket.readyState === this.socket.OPEN
    ) {
      if (this.droppedUnreported > 0) {
        this.write(JSON.stringify({ type: "dropped", count: this.droppedUnreported }));
        this.droppedUnreported = 0;
      }
      this.write(this.queue.shift() as string);
    }
  }

  private write(frame: string): void {
    const bytes = Buffer.byteLength(frame);
    this.inFlightBytes += bytes;
    // The callback runs once the frame is flushed to the kernel (or the socket failed):
    // that is when this client has room again.
    this.socket.send(frame, () => {
      this.inFlightBytes -= bytes;
      this.flush();
    });
  }
}
