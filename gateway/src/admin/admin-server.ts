import path from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { createOperatorRoutes } from "./operator-routes.js";
import { Admin } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import type { readBundle } from "../registry/bundle-read.js";
import { DEFAULT_SIGNATURE_POLICY, type SignaturePolicy } from "../registry/signature.js";
import { loadTrustedKeys, type TrustedKey } from "../registry/signature-keys.js";
import type { Gateway } from "../runtime/gateway.js";
import type { AnyRequest, AnyResponse } from "../surfaces/http-routes.js";
import { createDualProtocolServer } from "../surfaces/http-server.js";
import { createAdminService } from "./admin-service.js";
import type { AdminToken } from "./auth.js";
import { authenticateAdmin, refuseUnread, type AdminCredentials } from "./admin-gate.js";
import { adminRequestLimit } from "./admin-body-limits.js";
import { createConsoleSessions } from "./console-sessions.js";
import { createAdminEventFeed } from "./event-feed.js";
import { createBundleInstaller } from "./install-bundle.js";
import { createLatencyRecorder } from "./latency-recorder.js";

const ADMIN_PATH = `/${Admin.typeName}/`;
/** `keys` without repeats of a key id (the same key in the folder and in the shared store). */
function uniqueKeys(keys: readonly TrustedKey[]): TrustedKey[] {
  return [...new Map(keys.map((key) => [key.keyId, key])).values()];
}

// The bundle tooling (tar, digests, signature checks) loads at the first install, not with every gateway (issue 17, memory).
const readBundleOnDemand: typeof readBundle = async (...args) =>
  (await import("../registry/bundle-read.js")).readBundle(...args);

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
  /** Signature policy for installs (default DEFAULT_SIGNATURE_POLICY, "require"). */
  readonly signaturePolicy?: SignaturePolicy;
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
 * gRPC-Web), every call behind the bearer token or a console session (see admin-gate.ts),
 * checked before the body is read. Streams (logs, events) end when the
 * server closes.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const shutdown = new AbortController();
  const latency = createLatencyRecorder(options.gateway.dispatcher);
  const events = createAdminEventFeed(options.gateway);
  const keysDir = options.trustedKeysDir ?? path.join(path.dirname(options.token.file), "trusted-keys");
  const signaturePolicy = options.signaturePolicy ?? DEFAULT_SIGNATURE_POLICY;
  const installer = createBundleInstaller({
    gateway: options.gateway,
    readBundle: readBundleOnDemand,
    trustedKeys: async () =>
      uniqueKeys([...(await loadTrustedKeys(keysDir)), ...(await options.gateway.trustedKeys())]),
    signaturePolicy,
    logger: options.logger,
  });
  const service = createAdminService({
    gateway: options.gateway,
    latency,
    events,
    installer,
    startedAt: Date.now(),
    signaturePolicy,
  });
  const handler = connectNodeAdapter({
    // Each method with its own body limit: connect applies it to the bytes read and again after decompression.
    routes: (router) => {
      const impl = service as unknown as Record<string, Parameters<typeof router.rpc>[1]>;
      for (const method of Admin.methods) {
        const methodImpl = impl[method.localName];
        if (methodImpl) router.rpc(method, methodImpl, { readMaxBytes: adminRequestLimit(method.name) });
      }
    },
    jsonOptions: { alwaysEmitImplicit: true },
    shutdownSignal: shutdown.signal,
  });
  const credentials: AdminCredentials = { token: options.token.token, sessions: createConsoleSessions() };
  // The web console (/console/) and Prometheus /metrics live next to the Admin API.
  const operatorRoutes = createOperatorRoutes({ gateway: options.gateway, credentials });
  /**
   * Every Admin call is authenticated from its headers and its declared size checked against
   * its method's limit before a byte of the body is read; a refusal drops the body unread.
   */
  const adminCall = (req: AnyRequest, res: AnyResponse) => {
    const auth = authenticateAdmin(req, credentials);
    if (!auth.ok) return refuseUnread(req, res, auth.status, auth.code, auth.message);
    const url = req.url ?? "";
    const method = url.startsWith(ADMIN_PATH) ? (url.slice(ADMIN_PATH.length).split("?")[0] ?? "") : "";
    const limit = adminRequestLimit(method);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit)
      return refuseUnread(
        req,
        res,
        413,
        "resource_exhausted",
        `request body is ${declared} bytes; ${method || "this call"} accepts at most ${limit} bytes`,
      );
    handler(req, res);
  };
  const dual = createDualProtocolServer({
    handler: (req, res) => operatorRoutes(req, res) || adminCall(req, res),
    closeGraceMs: 1000,
  });
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
