import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { commandConflicts } from "../dispatch/commands.js";
import {
  AdminStreamEventsResponseSchema,
  type AdminStreamEventsResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import type { Gateway } from "../runtime/gateway.js";
import { toPluginError, toPluginState } from "./plugin-info.js";

/** What happened, as the `event` oneof of AdminStreamEventsResponse. */
export type AdminEventBody = NonNullable<MessageInitShape<typeof AdminStreamEventsResponseSchema>["event"]>;

/** A gateway event and the plugins it concerns (for per-plugin filtering). */
export interface AdminEvent {
  readonly pluginIds: readonly string[];
  readonly message: AdminStreamEventsResponse;
}

/** How many recent events the feed keeps in memory for StreamEvents' `recent` (oldest dropped first). */
export const EVENT_HISTORY_SIZE = 100;

/** The gateway events operators can stream. */
export interface AdminEventFeed {
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: AdminEvent) => void): () => void;
  /** Up to `limit` of the last EVENT_HISTORY_SIZE events that pass `filter`, oldest first. */
  recent(limit: number, filter?: (event: AdminEvent) => boolean): AdminEvent[];
  /** Announces an event the admin service caused (install, removal, configuration). */
  emit(pluginIds: readonly string[], body: AdminEventBody): void;
  /** Detaches from the gateway. */
  close(): void;
}

/**
 * Collects the gateway's events: plugin state changes, command conflicts (checked each
 * time a plugin becomes active), plugin-published events, and what the admin service
 * announces through `emit`. The last EVENT_HISTORY_SIZE are kept so that a console opened
 * later shows what happened (bounded: older ones are dropped).
 */
export function createAdminEventFeed(
  gateway: Pick<Gateway, "onPluginState" | "onPluginEvent" | "dispatcher">,
): AdminEventFeed {
  const listeners = new Set<(event: AdminEvent) => void>();
  const history: AdminEvent[] = [];
  const emit = (pluginIds: readonly string[], body: AdminEventBody) => {
    const event = {
      pluginIds,
      message: create(AdminStreamEventsResponseSchema, { time: timestampNow(), event: body }),
    };
    history.push(event);
    if (history.length > EVENT_HISTORY_SIZE) history.shift();
    for (const listener of listeners) listener(event);
  };
  const offState = gateway.onPluginState((status) => {
    emit([status.pluginId], {
      case: "stateChanged",
      value: {
        pluginId: status.pluginId,
        state: toPluginState(status.state),
        pid: status.pid ?? 0,
        restarts: status.restarts,
        ...(status.lastError ? { lastError: toPluginError(status.lastError) } : {}),
      },
    });
    if (status.state !== "active") return;
    for (const conflict of commandConflicts(gateway.dispatcher.plugins.list())) {
      if (conflict.pluginIds.includes(status.pluginId))
        emit(conflict.pluginIds, {
          case: "commandConflict",
          value: { command: conflict.command, pluginIds: [...conflict.pluginIds] },
        });
    }
  });
  const offPublished = gateway.onPluginEvent((event) =>
    emit([event.pluginId], {
      case: "pluginEvent",
      value: { pluginId: event.pluginId, event: event.event, payload: event.payload, requestId: event.requestId ?? "" },
    }),
  );
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
    recent(limit, filter) {
      const matching = filter ? history.filter(filter) : history;
      return limit > 0 ? matching.slice(-limit) : [];
    },
    close() {
      offState();
      offPublished();
      listeners.clear();
    },
  };
}
