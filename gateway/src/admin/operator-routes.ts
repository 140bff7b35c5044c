import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { authenticateAdmin, type AdminCredentials } from "./admin-gate.js";
import { bearerMatches } from "./auth.js";
import { createMetricsRoute } from "../metrics/metrics-route.js";
import type { Gateway } from "../runtime/gateway.js";
import { createConsoleRoutes } from "../console/console-routes.js";
import { createConsoleSessionRoutes } from "./console-session-routes.js";

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** Options of createOperatorRoutes. */
export interface OperatorRoutesOptions {
  readonly gateway: Pick<Gateway, "plugins" | "metrics">;
  /** The admin token (required for /metrics) and the console's sessions (enough for /console/webapps). */
  readonly credentials: AdminCredentials;
}

/**
 * The HTTP routes the admin server serves next to the Admin API: `GET /metrics`
 * (Prometheus, bearer token required), the console's sign-in/out at `/console/session` and
 * the web console under `/console/` (`/` redirects there). Returns true when it answered
 * the request, false to let the Admin API have it.
 */
export function createOperatorRoutes(options: OperatorRoutesOptions): (req: AnyRequest, res: AnyResponse) => boolean {
  const { credentials } = options;
  const bearer = (req: AnyRequest) => {
    const header = req.headers.authorization;
    return bearerMatches(typeof header === "string" ? header : null, credentials.token);
  };
  const metrics = createMetricsRoute(options.gateway.metrics, bearer);
  const sessionRoutes = createConsoleSessionRoutes(credentials);
  const consoleRoutes = createConsoleRoutes({
    plugins: () => options.gateway.plugins(),
    authorize: (req) => authenticateAdmin(req, credentials).ok,
  });
  return (req, res) => {
    if ((req.method === "GET" || req.method === "HEAD") && (req.url === "/" || req.url === "")) {
      res.writeHead(302, { location: "/console/" });
      res.end();
      return true;
    }
    return metrics(req, res) || sessionRoutes(req, res) || consoleRoutes(req, res);
  };
}
