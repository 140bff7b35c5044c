import type { JsonObject } from "@bufbuild/protobuf";
import { z } from "zod";
import type { PublishedEvent } from "../plugin-api/events.js";

/**
 * What gateways of a cluster tell each other. Messages say *that* something changed; the
 * receiver reads the state itself from the shared store, so a missed or repeated message
 * only delays convergence (the periodic resync catches up), never corrupts it.
 */
export type ClusterMessage =
  /** A plugin published an event for WebSocket clients: deliver it to this node's clients too. */
  | { readonly kind: "event"; readonly event: PublishedEvent }
  /** A plugin's enabled state changed: start or stop the local copy. */
  | { readonly kind: "enabled"; readonly pluginId: string }
  /** A plugin's configuration was saved: deliver it to the local copy. */
  | { readonly kind: "config"; readonly pluginId: string; readonly originPluginId: string | undefined }
  /** A bundle version was installed (or upgraded to): fetch it from the store and run it. */
  | { readonly kind: "installed"; readonly pluginId: string; readonly version: string }
  /** A plugin was removed: stop the local copy and delete its folder. */
  | { readonly kind: "removed"; readonly pluginId: string }
  /** PublishClusterMessage: a plugin's message to its own copies on the other nodes. */
  | { readonly kind: "plugin"; readonly pluginId: string; readonly topic: string; readonly payload: JsonObject };

const json: z.ZodType<JsonObject> = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;
const pluginId = z.string().min(1).max(190);

const messageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("event"),
    event: z.object({
      pluginId,
      event: z.string().min(1),
      payload: json,
      audience: z.object({
        clientIds: z.array(z.string()),
        matchLabels: z.record(z.string(), z.string()),
        omitClientIds: z.array(z.string()),
      }),
      requestId: z.string().optional(),
      publishedAt: z.number(),
    }),
  }),
  z.object({ kind: z.literal("enabled"), pluginId }),
  z.object({ kind: z.literal("config"), pluginId, originPluginId: z.string().optional() }),
  z.object({ kind: z.literal("installed"), pluginId, version: z.string().min(1) }),
  z.object({ kind: z.literal("removed"), pluginId }),
  z.object({ kind: z.literal("plugin"), pluginId, topic: z.string().min(1).max(128), payload: json }),
]);

/** A message with the node that sent it, as it travels. */
export interface ClusterEnvelope {
  readonly from: string;
  readonly message: ClusterMessage;
}

/** Parses an envelope; undefined when it is not one this build understands (a newer node's message, or garbage). */
export function parseEnvelope(text: string): ClusterEnvelope | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const from = (raw as { from?: unknown } | null)?.from;
  const parsed = messageSchema.safeParse((raw as { message?: unknown } | null)?.message);
  if (typeof from !== "string" || !parsed.success) return undefined;
  const message = parsed.data;
  if (message.kind === "event")
    return { from, message: { kind: "event", event: { ...message.event, requestId: message.event.requestId } } };
  if (message.kind === "config")
    return { from, message: { kind: "config", pluginId: message.pluginId, originPluginId: message.originPluginId } };
  return { from, message };
}
