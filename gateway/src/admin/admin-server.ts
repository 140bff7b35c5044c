import path from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { createOperatorRoutes } from "../console/operator-routes.js";
import { Admin } from "../gen/polyplug/v1/admin_pb.js";
import { readBundle } from "../registry/bundle.js";
import { loadTrustedKeys, type TrustedKey } from "../registry/signature-keys.js";
import type { Gateway } from "../runtime/gateway.js";
import { createDualProtocolServer } from "../surfaces/http-server.js";
import { createAdminService } from "./admin-service.js";
import { requireBearer, type AdminToken } from "./auth.js";
import { createAdminEventFeed } from "./event-feed.js";
import { createBundleInstaller } from "./install-bundle.js";
import { createLatencyRecorder } from "./latency-recorder.js";

/** `keys` without repeats of a key id (the same key in the folder and in the shared store). */
function uniqueKeys(keys: readonly TrustedKey[]): TrustedKey[] {
  return [...new Map(keys.map((key) => [key.keyId, key])).values()];
}

/** Largest Admin request message (InstallPlugin's bundle): 50 MiB plus room for the signature. */
export const MAX_ADMIN_MESSAGE_BYTES = 50 * 1024 * 1024 + 64 * 1024;

/** Options of startAdminServer. */
export interface AdminServerOptions {
  readonly gateway: Gateway;
  /** Interface to listen on. Default 127.0.0.1: keep the admin API off the network. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** The bearer token every call must carry (see ensureAdminToken). */
  readonly token: AdminToken;
  readonly logger: Pick<Logger, "info" | "warn" | "error">;
  /** Folder of trusted bundle signing keys (`*.pem`). Default: `trusted-keys` next to the token file. */
  readonly trustedKeysDir?: string;
}

/** A running admin server. */
export interface AdminServer {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  readonly port: number;
  /** Ends open streams, stops listening, closes connections. */
  close(): Promise<void>;
}

/**
 * Starts the polyplug.v1.Admin service on its own port (Connect JSON/binary, gRPC h2c,
 * gRPC-Web), every call behind the bearer token. Streams (logs, events) end when the
 * server closes.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const shutdown = new AbortController();
  const latency = createLatencyRecorder(options.gateway.dispatcher);
  const events = createAdminEventFeed(options.gateway);
  const keysDir = options.trustedKeysDir ?? path.join(path.dirname(options.token.file), "trusted-keys");
  const installer = createBundleInstaller({ gateway: options.gateway, readBundle, trustedKeys: async () => uniqueKeys([...(await loadTrustedKeys(keysDir)), ...(await options.gateway.trustedKeys())]) });
  const service = createAdminService({ gateway: options.gateway, latency, events, installer, startedAt: Date.now() });
  const handler = connectNodeAdapter({
    routes: (router) => router.service(Admin, service),
    interceptors: [requireBearer(options.token)],
    readMaxBytes: MAX_ADMIN_MESSAGE_BYTES,
    jsonOptions: { alwaysEmitImplicit: true },
    shutdownSignal: shutdown.signal,
  });
  // The web console (/console/) and Prometheus /metrics live next to the Admin API.
  const operatorRoutes = createOperatorRoutes({ gateway: options.gateway, token: options.token.token });
  const dual = createDualProtocolServer({ handler: (req, res) => operatorRoutes(req, res) || handler(req, res), closeGraceMs: 1000 });
  const { url, port } = await dual.listen(options.port, options.host ?? "127.0.0.1");
  options.logger.info({ url, tokenFile: options.token.file }, "admin server listening");
  return {
    url,
    port,
    async close() {
      shutdown.abort();
      latency.close();
      events.close();
      await dual.close();
    },
  };
}
