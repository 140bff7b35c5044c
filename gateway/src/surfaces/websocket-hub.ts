import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { EventAudience, EventPublisher, PublishedEvent } from "../plugin-api/events.js";
import { EventClient, type EventClientLimits, type EventClientStats } from "./event-client.js";

/** Path of the WebSocket endpoint. */
export const EVENTS_PATH = "/v1/events";

const LABEL_PARAM_PREFIX = "label.";
const LABEL_KEY_PATTERN = /^[a-z0-9_.-]{1,64}$/;
const MAX_LABELS = 32;
const MAX_LABEL_VALUE_BYTES = 256;

/** Options of createWebSocketHub; every field has a default. */
export interface WebSocketHubOptions extends Partial<EventClientLimits> {
  /** Interval of WebSocket pings; a client that misses one is disconnected. Default 30 s; 0 disables. */
  readonly pingIntervalMs?: number;
  /** Most clients connected at once; further upgrades are answered 503. Default 1024. */
  readonly maxClients?: number;
  /** How long close() waits for clients to finish the close handshake before cutting them off. Default 1 s. */
  readonly closeGraceMs?: number;
  /**
   * Turns the labels a client asked for into the labels it gets, or throws to refuse it
   * (answered 403). Default: the requested labels as they are. Labels are a delivery
   * filter that clients choose themselves, not access control, unless this hook derives
   * them from authentication.
   */
  readonly resolveLabels?: (req: IncomingMessage, requested: Record<string, string>) => Record<string, string>;
}

/** The WebSocket event hub: an EventPublisher plus the upgrade handler of /v1/events. */
export interface WebSocketHub extends EventPublisher {
  /** Takes over an HTTP upgrade request for /v1/events; returns false (socket untouched) for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Connected clients and their queue counters. */
  clients(): EventClientStats[];
  /** Upgrades refused since start because maxClients were connected. */
  refused(): number;
  /** Closes every client (code 1001) and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * Parses `?label.team=blue&label.role=admin` into labels. Keys [a-z0-9_.-]{1,64}, values
 * at most 256 bytes, at most 32 labels, each key once; other query parameters are
 * ignored. Returns an error text on a malformed label.
 */
export function parseLabels(search: URLSearchParams): Record<string, string> | { readonly error: string } {
  const labels: Record<string, string> = {};
  for (const [name, value] of search) {
    if (!name.startsWith(LABEL_PARAM_PREFIX)) continue;
    const key = name.slice(LABEL_PARAM_PREFIX.length);
    if (!LABEL_KEY_PATTERN.test(key)) return { error: `label key ${JSON.stringify(key)} must match [a-z0-9_.-]{1,64}` };
    if (key in labels) return { error: `label ${key} given twice` };
    if (Buffer.byteLength(value) > MAX_LABEL_VALUE_BYTES)
      return { error: `label ${key}: values are at most ${MAX_LABEL_VALUE_BYTES} bytes` };
    labels[key] = value;
  }
  if (Object.keys(labels).length > MAX_LABELS) return { error: `at most ${MAX_LABELS} labels` };
  return labels;
}

/** True when a client with `id` and `labels` is in `audience` (see gateway_api.proto, Audience). */
export function inAudience(audience: EventAudience, id: string, labels: Readonly<Record<string, string>>): boolean {
  if (audience.clientIds.length > 0 && !audience.clientIds.includes(id)) return false;
  if (audience.omitClientIds.includes(id)) return false;
  return Object.entries(audience.matchLabels).every(([key, value]) => labels[key] === value);
}

const REFUSALS: Record<number, { code: string; text: string; extra?: string }> = {
  400: { code: "invalid_argument", text: "Bad Request" },
  403: { code: "permission_denied", text: "Forbidden" },
  503: { code: "resource_exhausted", text: "Service Unavailable", extra: "retry-after: 5\r\n" },
};

function refuse(socket: Duplex, status: 400 | 403 | 503, reason: string): void {
  const { code, text, extra = "" } = REFUSALS[status] as { code: string; text: string; extra?: string };
  const body = JSON.stringify({ code, message: reason });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}

/** The JSON text clients receive for an event (serialized once per publish). */
export function eventFrame(event: PublishedEvent): string {
  return JSON.stringify({
    type: "event",
    event: event.event,
    plugin_id: event.pluginId,
    payload: event.payload,
    request_id: event.requestId ?? "",
    published_at: new Date(event.publishedAt).toISOString(),
  });
}

/**
 * Creates the hub. Each client connects to `/v1/events?label.<key>=<value>...`, receives
 * `{"type":"hello","client_id":"…","labels":{…}}`, then one `{"type":"event",…}` frame
 * per event addressed to it (see eventFrame). `publish` never blocks: slow clients lose
 * their oldest queued events (see EventClient). Messages from clients are ignored.
 */
export function createWebSocketHub(options: WebSocketHubOptions = {}): WebSocketHub {
  const limits: EventClientLimits = {
    maxInFlightBytes: options.maxInFlightBytes ?? 1024 * 1024,
    maxQueuedFrames: options.maxQueuedFrames ?? 1000,
  };
  // ws loads at the first upgrade, not with every gateway (issue 17, memory); a failed load is retried by the next upgrade.
  let server: Promise<WebSocketServer> | undefined;
  let closed = false;
  const webSocketServer = () =>
    (server ??= import("ws").then(
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }),
      (error: unknown) => {
        server = undefined;
        throw error;
      },
    ));
  const connected = new Map<WebSocket, EventClient>();
  const maxClients = options.maxClients ?? 1024;
  let refusedFull = 0;
  // Upgrades accepted but not yet open count too, so a burst cannot overshoot the cap.
  let opening = 0;
  const alive = new WeakSet<WebSocket>();
  const pingMs = options.pingIntervalMs ?? 30_000;
  const pinger =
    pingMs > 0
      ? setInterval(() => {
          for (const socket of connected.keys()) {
            if (!alive.has(socket)) socket.terminate();
            alive.delete(socket);
            socket.ping();
          }
        }, pingMs).unref()
      : undefined;

  const accept = (socket: WebSocket, labels: Record<string, string>) => {
    const client = new EventClient(randomUUID(), labels, socket, limits);
    connected.set(socket, client);
    alive.add(socket);
    socket.on("pong", () => alive.add(socket));
    socket.on("close", () => connected.delete(socket));
    socket.on("error", () => socket.terminate());
    client.sendNow(JSON.stringify({ type: "hello", client_id: client.id, labels }));
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://gateway");
      if (url.pathname !== EVENTS_PATH) return false;
      const requested = parseLabels(url.searchParams);
      if ("error" in requested) {
        refuse(socket, 400, requested.error as string);
        return true;
      }
      let labels: Record<string, string>;
      try {
        labels = options.resolveLabels ? options.resolveLabels(req, requested) : requested;
      } catch (reason) {
        refuse(socket, 403, reason instanceof Error ? reason.message : String(reason));
        return true;
      }
      if (connected.size + opening >= maxClients) {
        refusedFull++;
        refuse(socket, 503, `the gateway serves at most ${maxClients} event clients; retry later`);
        return true;
      }
      opening++;
      let counted = true;
      const settle = () => {
        if (counted) opening--;
        counted = false;
      };
      socket.once("close", settle);
      webSocketServer().then(
        (wss) => {
          if (closed) {
            settle();
            refuse(socket, 503, "the gateway is shutting down");
            return;
          }
          wss.handleUpgrade(req, socket, head, (ws) => {
            settle();
            accept(ws, labels);
          });
        },
        (error: unknown) => {
          settle();
          refuse(
            socket,
            503,
            `the gateway could not load its WebSocket support (the ws package): ${error instanceof Error ? error.message : String(error)}; check the installation`,
          );
        },
      );
      return true;
    },
    publish(event) {
      let frame: string | undefined;
      let count = 0;
      for (const client of connected.values()) {
        if (!inAudience(event.audience, client.id, client.labels)) continue;
        frame ??= eventFrame(event);
        client.enqueue(frame);
        count++;
      }
      return count;
    },
    clients: () => [...connected.values()].map((client) => client.stats()),
    refused: () => refusedFull,
    async close() {
      closed = true;
      if (pinger) clearInterval(pinger);
      const sockets = [...connected.keys()];
      const gone = sockets.map(
        (socket) =>
          new Promise((resolve) =>
            socket.readyState === socket.CLOSED ? resolve(undefined) : socket.once("close", resolve),
          ),
      );
      for (const socket of sockets) socket.close(1001, "gateway shutting down");
      // Clients that do not finish the close handshake promptly (e.g. not reading) are cut off.
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.terminate();
      }, options.closeGraceMs ?? 1000);
      await Promise.all(gone);
      clearTimeout(grace);
      const wss = await server?.catch(() => undefined);
      if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
