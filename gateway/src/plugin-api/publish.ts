import type { Audience, GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import type { EventAudience, EventPublisher } from "./events.js";
import { checkStructSize, invalidArgument } from "./request-checks.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { TOPIC_NAME_RULE, isEventName } from "@polyplug/sdk/internal/contract/names.js";

type PublishHandlers = Required<Pick<RpcHandlers<typeof GatewayAPI>, "publishEvent">>;

/** What the PublishEvent handler needs. */
export interface PublishHandlerDeps {
  /** The publishing plugin; clients receive `<pluginId>.<event>`. */
  readonly pluginId: string;
  readonly events: EventPublisher;
  /** Clock for PublishedEvent.publishedAt, epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
}

/** Validates an Audience against its limits and copies it into the publisher's shape. */
export function toEventAudience(audience: Audience | undefined): EventAudience {
  const clientIds = audience?.clientIds ?? [];
  const omitClientIds = audience?.omitClientIds ?? [];
  const matchLabels = audience?.matchLabels ?? {};
  if (clientIds.length > LIMITS.audienceClientIds) {
    throw invalidArgument("audience.client_ids", `at most ${LIMITS.audienceClientIds} ids, got ${clientIds.length}`);
  }
  if (omitClientIds.length > LIMITS.audienceClientIds) {
    throw invalidArgument(
      "audience.omit_client_ids",
      `at most ${LIMITS.audienceClientIds} ids, got ${omitClientIds.length}`,
    );
  }
  const labelCount = Object.keys(matchLabels).length;
  if (labelCount > LIMITS.audienceLabels) {
    throw invalidArgument("audience.match_labels", `at most ${LIMITS.audienceLabels} pairs, got ${labelCount}`);
  }
  return { clientIds: [...clientIds], omitClientIds: [...omitClientIds], matchLabels: { ...matchLabels } };
}

/**
 * GatewayAPI.PublishEvent: validates the event name (`[a-z0-9_.-]{1,128}`,
 * INVALID_ARGUMENT), the payload size (8 MiB serialized, RESOURCE_EXHAUSTED) and the
 * audience limits, then hands a PublishedEvent named `<pluginId>.<event>` to the
 * publisher. Best effort: OK means accepted, not delivered.
 */
export function createPublishHandler({ pluginId, events, now }: PublishHandlerDeps): PublishHandlers {
  const clock = now ?? Date.now;
  return {
    publishEvent(request) {
      if (!isEventName(request.event)) {
        throw invalidArgument(
          "event",
          `must match ${TOPIC_NAME_RULE} (the plugin id prefix is added by the gateway), got ${JSON.stringify(request.event.slice(0, 140))}`,
        );
      }
      checkStructSize("payload", request.payload, "event payload", LIMITS.payloadBytes);
      const audience = toEventAudience(request.audience);
      events.publish({
        pluginId,
        event: `${pluginId}.${request.event}`,
        payload: request.payload ?? {},
        audience,
        requestId: undefined,
        publishedAt: clock(),
      });
      return {};
    },
  };
}
