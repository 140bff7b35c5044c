import { authenticateAdmin, refuseUnread, sameOrigin, SESSION_COOKIE, type AdminCredentials } from "./admin-gate.js";
import { bearerMatches } from "./auth.js";
import { CONSOLE_SESSION_TTL_MS } from "./console-sessions.js";
import type { AnyRequest, AnyResponse } from "../surfaces/http-routes.js";
import { sendJsonError } from "../surfaces/json-error-response.js";

/** Where the console signs in (POST) and out (DELETE). */
export const SESSION_PATH = "/console/session";
/** Largest sign-in body: `{"token":"<64 hex>"}` with room to spare. */
const MAX_SIGN_IN_BYTES = 4096;

function cookie(value: string, maxAgeSeconds: number): string {
  // Path=/ because the Admin API (/polyplug.v1.Admin/…) and the console share this port and nothing else does.
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
}

/** Reads at most `limit` bytes of body; undefined when it is longer (the rest is never read). */
async function readSmallBody(req: AnyRequest, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The console's sign-in: `POST /console/session` with `{"token": "<admin token>"}` from the
 * console's own page exchanges the token for a session — an HttpOnly, SameSite=Strict cookie
 * no script can read — and answers `{csrf, expiresAt}`: the CSRF key the page keeps in memory
 * and sends with every call. `DELETE /console/session` (with that key) signs out. Returns
 * false for other paths.
 */
export function createConsoleSessionRoutes(
  credentials: AdminCredentials,
): (req: AnyRequest, res: AnyResponse) => boolean {
  const signIn = async (req: AnyRequest, res: AnyResponse) => {
    if (!sameOrigin(req)) return refuseUnread(req, res, 403, "permission_denied", "cross-origin sign-in refused");
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_SIGN_IN_BYTES)
      return refuseUnread(
        req,
        res,
        413,
        "resource_exhausted",
        `sign-in body is ${declared} bytes; at most ${MAX_SIGN_IN_BYTES}`,
      );
    const text = await readSmallBody(req, MAX_SIGN_IN_BYTES);
    if (text === undefined)
      return refuseUnread(req, res, 413, "resource_exhausted", `sign-in body over ${MAX_SIGN_IN_BYTES} bytes`);
    let token: unknown;
    try {
      token = (JSON.parse(text) as { token?: unknown }).token;
    } catch {
      return sendJsonError(res, 400, "invalid_argument", 'send {"token": "<admin token>"} as JSON');
    }
    if (typeof token !== "string" || !bearerMatches(`Bearer ${token.trim()}`, credentials.token)) {
      return sendJsonError(res, 401, "unauthenticated", "the gateway refused the token");
    }
    const session = credentials.sessions.create();
    const body = JSON.stringify({ csrf: session.csrf, expiresAt: session.expiresAt });
    res.writeHead(200, {
      "content-type": "application/json",
      "cache-control": "no-store",
      "set-cookie": cookie(session.id, Math.floor(CONSOLE_SESSION_TTL_MS / 1000)),
    });
    res.end(body);
  };
  const signOut = (req: AnyRequest, res: AnyResponse) => {
    const auth = authenticateAdmin(req, credentials);
    if (!auth.ok) return refuseUnread(req, res, auth.status, auth.code, auth.message);
    if (auth.session) credentials.sessions.revoke(auth.session.id);
    res.writeHead(204, { "set-cookie": cookie("", 0), "cache-control": "no-store" });
    res.end();
  };
  return (req, res) => {
    if ((req.url ?? "").split("?")[0] !== SESSION_PATH) return false;
    if (req.method === "POST") {
      signIn(req, res).catch(() =>
        res.headersSent ? res.end() : sendJsonError(res, 400, "invalid_argument", "could not read the sign-in request"),
      );
    } else if (req.method === "DELETE") {
      signOut(req, res);
    } else {
      sendJsonError(res, 405, "invalid_argument", `use POST (sign in) or DELETE (sign out) for ${SESSION_PATH}`);
    }
    return true;
  };
}
