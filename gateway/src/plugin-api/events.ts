import type { JsonObject } from "@bufbuild/protobuf";

/** Who receives a published event. Empty lists / maps mean "no restriction". */
export interface EventAudience {
  /** Only these WebSocket client ids (when non-empty). */
  readonly clientIds: readonly string[];
  /** Only clients whose labels include all of these key/values. */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** Never these client ids. */
  readonly omitClientIds: readonly string[];
}

/** An event a plugin published for WebSocket clients. */
export interface PublishedEvent {
  /** The publishing plugin's id (from its connection). */
  readonly pluginId: string;
  /** The full event name as clients see it: `<pluginId>.<event>`. */
  readonly event: string;
  readonly payload: JsonObject;
  readonly audience: EventAudience;
  /** Request id of the hook call that caused it, when known. */
  readonly requestId: string | undefined;
  /** Epoch milliseconds. */
  readonly publishedAt: number;
}

/** Receives plugin events and fans them out (the WebSocket hub implements it). */
export interface EventPublisher {
  /** Never blocks and never throws for slow or gone clients. Returns how many clients it was queued for. */
  publish(event: PublishedEvent): number;
}
