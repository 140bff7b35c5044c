import { compressionBrotli, compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import { sendJsonError } from "./json-error-response.js";
import type { Logger } from "pino";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { createAdmission, type AdmissionStats, type ShedReason } from "./admission.js";
import { createAdmittedDispatcher, shedError } from "./admitted-dispatcher.js";
import { createFastGatewayHandler } from "./fast-gateway-handler.js";
import { createDualProtocolServer, type DualProtocolServerStats } from "./http-server.js";
import {
  createPluginRouteHandler,
  PLUGIN_ROUTE_PREFIX,
  sendPolyplugError,
  type AnyRequest,
  type AnyResponse,
  type PluginRouteOptions,
} from "./http-routes.js";
import { registerGatewayService } from "./public-api.js";
import { createRootPage, type RootPage } from "./root-page.js";
import { resolvePublicLimits, type PublicLimits, type PublicLimitsInit } from "./public-limits.js";
import { createWebSocketHub, type WebSocketHub, type WebSocketHubOptions } from "./websocket-hub.js";

/** Largest request message the Gateway API accepts (16 MiB); larger bodies get 413 / RESOURCE_EXHAUSTED. */
export const MAX_API_BODY_BYTES = 16 * 1024 * 1024;

/** Options of startPublicServer. */
export interface PublicServerOptions {
  /** The hook dispatcher behind every surface. */
  readonly dispatcher: Dispatcher;
  /** TCP port; 0 picks a free one (see PublicServer.port). */
  readonly port: number;
  /** Interface to listen on. Default 127.0.0.1: the API trusts its callers. */
  readonly host?: string;
  readonly logger?: Pick<Logger, "info" | "warn" | "error">;
  /** Request body limit of the Gateway API in bytes. Default MAX_API_BODY_BYTES. */
  readonly maxBodyBytes?: number;
  /** WebSocket hub limits and label policy. */
  readonly events?: WebSocketHubOptions;
  /** Plugin HTTP route options (caller metadata). */
  readonly httpRoutes?: PluginRouteOptions;
  /**
   * Serve Connect JSON Intercept / Notify calls with the hand-written fast path
   * (fast-gateway-handler.ts) instead of connect-node; callers see the same answers.
   * Default true; false is for comparing the two.
   */
  readonly fastPath?: boolean;
  /** Gateway version shown on the root page (`GET /`). */
  readonly version?: string;
  /** Connection, stream, timeout and in-flight limits; unset fields keep DEFAULT_PUBLIC_LIMITS. */
  readonly limits?: PublicLimitsInit;
}

/** Admission counters of a public server (exported as Prometheus metrics). */
export interface PublicServerStats extends DualProtocolServerStats {
  /** Chain calls (Intercept, Notify, ExecuteCommand, /plugins/ HTTP): running, queued, admitted, shed. */
  readonly calls: AdmissionStats;
  /** WebSocket upgrades refused because maxWebSocketClients were connected. */
  readonly webSocketRefused: number;
}

/** A running public server. */
export interface PublicServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** The WebSocket hub; pass it to the GatewayAPI as the EventPublisher. */
  readonly hub: WebSocketHub;
  /** `GET /`: what this is and where to go; `rootPage.setAdminLinks` adds the console's address. */
  readonly rootPage: RootPage;
  /** The limits in force. */
  readonly limits: PublicLimits;
  /** Connections, in-flight and queued calls, and what was refused or shed. */
  stats(): PublicServerStats;
  /** Closes WebSocket clients, stops listening and ends open connections (in-flight requests get a short grace). */
  close(): Promise<void>;
}

/**
 * Starts the gateway's public port. On one port, HTTP/1.1 and cleartext HTTP/2:
 * - `POST /polyplug.v1.Gateway/{Intercept,Notify,ExecuteCommand}`: the Gateway API over
 *   Connect (JSON or binary), gRPC (HTTP/2) and gRPC-Web;
 * - `/plugins/{plugin_id}/...`: plugin HTTP routes (ServeHTTP, streamed both ways);
 * - `GET /v1/events` with `Upgrade: websocket` (HTTP/1.1): plugin events (see websocket-hub.ts);
 * - `GET /`: the root page (root-page.ts), JSON or HTML for browsers.
 * Anything else is 404 with a JSON `{code, message}` body. Rejects when the port cannot be bound.
 */
export async function startPublicServer(options: PublicServerOptions): Promise<PublicServer> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_API_BODY_BYTES;
  const limits = resolvePublicLimits(options.limits);
  const admission = createAdmission(limits);
  let lastShedLog = 0;
  const onShed = (reason: ShedReason) => {
    // One warning per second at most: shedding is what overload looks like, not news per call.
    if (Date.now() - lastShedLog < 1000) return;
    lastShedLog = Date.now();
    options.logger?.warn({ reason, ...admission.stats() }, "public API overloaded: answering resource_exhausted");
  };
  // Gateway API calls take their slot once the request is read (see createAdmittedDispatcher).
  const dispatcher = createAdmittedDispatcher(options.dispatcher, admission, limits, onShed);
  const shutdown = new AbortController();
  const hub = createWebSocketHub({ maxClients: limits.maxWebSocketClients, ...options.events });
  const pluginRoutes = createPluginRouteHandler(options.dispatcher, options.httpRoutes);
  const rootPage = createRootPage(options.version);
  // JSON callers see every field, `"allowed": false` included, not proto3's omissions.
  const jsonOptions = { alwaysEmitImplicit: true };
  const acceptCompression = [compressionGzip, compressionBrotli];
  const api = connectNodeAdapter({
    routes: (router) => registerGatewayService(router, dispatcher),
    readMaxBytes: maxBodyBytes,
    jsonOptions,
    acceptCompression,
    shutdownSignal: shutdown.signal,
    fallback: (req, res) =>
      sendJsonError(
        res as AnyResponse,
        404,
        "not_found",
        `no route for ${req.method ?? "?"} ${(req.url ?? "").slice(0, 200)}`,
      ),
  });
  const fast =
    options.fastPath === false
      ? undefined
      : createFastGatewayHandler({
          dispatcher,
          readMaxBytes: maxBodyBytes,
          jsonOptions,
          shutdownSignal: shutdown.signal,
          acceptCompression,
        });

  const serve = (req: AnyRequest, res: AnyResponse) => {
    try {
      if (pluginRoutes(req, res) || rootPage.handle(req, res)) return;
      if (fast?.(req, res)) return;
      api(req, res);
    } catch (reason) {
      options.logger?.error({ err: reason, url: req.url }, "public request handler failed");
      if (!res.headersSent) sendJsonError(res, 500, "internal", "internal error");
      else res.destroy();
    }
  };
  const handler = (req: AnyRequest, res: AnyResponse) => {
    const url = req.url ?? "";
    if (url.startsWith(PLUGIN_ROUTE_PREFIX)) {
      // A ServeHTTP stream engages its plugin from the request head on: it takes a slot
      // before its body is read and holds it until the response closes.
      const withdraw = admission.admit(
        () => serve(req, res),
        (reason) => {
          onShed(reason);
          sendPolyplugError(res, shedError(reason, limits));
          req.resume();
        },
      );
      res.once("close", withdraw);
      return;
    }
    // Refuse oversized bodies before reading them (chunked ones are cut by readMaxBytes).
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBodyBytes) {
      options.logger?.warn({ url: req.url, bytes: declared }, "request body over the limit");
      sendJsonError(
        res,
        413,
        "resource_exhausted",
        `request body is ${declared} bytes; the limit is ${maxBodyBytes} bytes`,
      );
      return;
    }
    serve(req, res);
  };

  const dual = createDualProtocolServer({
    limits,
    handler,
    onUpgrade: (req, socket, head) => {
      if (!hub.handleUpgrade(req, socket, head))
        socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    },
  });
  const { url, port } = await dual.listen(options.port, options.host ?? "127.0.0.1");
  options.logger?.info({ url }, "public server listening");
  return {
    url,
    port,
    hub,
    rootPage,
    limits,
    stats: () => ({ ...dual.stats(), calls: admission.stats(), webSocketRefused: hub.refused() }),
    async close() {
      shutdown.abort();
      await hub.close();
      await dual.close();
    },
  };
}
