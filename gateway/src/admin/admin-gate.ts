import http2 from "node:http2";
import type { Socket } from "node:net";
import { lingerOnClose } from "../surfaces/lingering-close.js";
import type { AnyRequest, AnyResponse } from "../surfaces/http-routes.js";
import { sendJsonError } from "../surfaces/json-error-response.js";
import { bearerMatches } from "./auth.js";
import { sameSecret, type ConsoleSession, type ConsoleSessions } from "./console-sessions.js";

/** The console's session cookie (HttpOnly, SameSite=Strict; see console-session-routes.ts). */
export const SESSION_COOKIE = "polyplug_session";
/** The header a console page sends its CSRF key in, on every state-changing request. */
export const CSRF_HEADER = "x-polyplug-csrf";

/** What the admin port accepts as a credential: the bearer token, or a console session. */
export interface AdminCredentials {
  readonly token: string;
  readonly sessions: ConsoleSessions;
}

/** Whether a request may go on, and as whom; or the refusal to send. */
export type AdminAuth =
  | { readonly ok: true; readonly session?: ConsoleSession }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: "unauthenticated" | "permission_denied";
      readonly message: string;
    };

function header(req: AnyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** The session id in the request's `cookie` header, if any. */
export function sessionIdOf(req: AnyRequest): string | undefined {
  for (const part of (header(req, "cookie") ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=");
  }
  return undefined;
}

/** True when the request's `Origin` (if the browser sent one) is this server's own. */
export function sameOrigin(req: AnyRequest): boolean {
  const origin = header(req, "origin");
  if (origin === undefined) return true;
  const host = header(req, "host") ?? header(req, ":authority");
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * Authenticates a request from its headers alone — nothing of the body has been read. A
 * bearer token must match exactly. A console session cookie counts only while the session
 * lives and, for anything but GET/HEAD, with the session's CSRF key in CSRF_HEADER and an
 * Origin (when sent) of this server: a page on another site, or script that cannot read the
 * key, cannot act with it. The refusal never says where the token file is.
 */
export function authenticateAdmin(req: AnyRequest, credentials: AdminCredentials): AdminAuth {
  const authorization = header(req, "authorization");
  if (authorization !== undefined) {
    if (bearerMatches(authorization, credentials.token)) return { ok: true };
    return {
      ok: false,
      status: 401,
      code: "unauthenticated",
      message:
        'the admin token is wrong: send "Authorization: Bearer <token>" with the token from the gateway\'s admin-token file',
    };
  }
  const id = sessionIdOf(req);
  const session = id ? credentials.sessions.get(id) : undefined;
  if (!session) {
    const why = id ? "the console session has expired or was signed out" : "the call carries no admin token";
    return {
      ok: false,
      status: 401,
      code: "unauthenticated",
      message: `${why}: send "Authorization: Bearer <token>" with the token from the gateway's admin-token file, or sign in to the console`,
    };
  }
  if (req.method === "GET" || req.method === "HEAD") return { ok: true, session };
  if (!sameOrigin(req))
    return {
      ok: false,
      status: 403,
      code: "permission_denied",
      message: "cross-origin request refused: the console's session only works from the console's own page",
    };
  if (!sameSecret(header(req, CSRF_HEADER) ?? "", session.csrf)) {
    return {
      ok: false,
      status: 403,
      code: "permission_denied",
      message: `request refused: a console session needs its CSRF key in the ${CSRF_HEADER} header`,
    };
  }
  return { ok: true, session };
}

const GRPC_STATUS = { unauthenticated: 16, permission_denied: 7, resource_exhausted: 8 } as const;

/**
 * Answers a refusal without reading the request body: gRPC callers get a trailers-only
 * status, everyone else Connect's JSON error. HTTP/1.1 connections are closed after the
 * answer (Connection: close, a lingering close reading at most 1 MiB more, discarded) and
 * HTTP/2 streams reset with NO_ERROR (RFC 9113 §8.1), so the unread body is dropped, never
 * drained into memory.
 */
export function refuseUnread(
  req: AnyRequest,
  res: AnyResponse,
  status: number,
  code: keyof typeof GRPC_STATUS,
  message: string,
): void {
  const isH2 = "stream" in res;
  if (isH2) res.once("finish", () => res.stream.close(http2.constants.NGHTTP2_NO_ERROR));
  else {
    res.shouldKeepAlive = false;
    lingerOnClose(res.socket as Socket);
  }
  if ((header(req, "content-type") ?? "").startsWith("application/grpc")) {
    res.writeHead(200, {
      "content-type": header(req, "content-type") ?? "application/grpc",
      "grpc-status": String(GRPC_STATUS[code]),
      "grpc-message": encodeURIComponent(message),
    });
    res.end();
    return;
  }
  sendJsonError(res, status, code, message, isH2 ? {} : { connection: "close" });
}
