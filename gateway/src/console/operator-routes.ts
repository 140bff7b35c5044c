import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { bearerMatches } from "../admin/auth.js";
import { createMetricsRoute } from "../metrics/metrics-route.js";
import type { Gateway } from "../runtime/gateway.js";
import { createConsoleRoutes } from "./console-routes.js";

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** Options of createOperatorRoutes. */
export interface OperatorRoutesOptions {
  readonly gateway: Pick<Gateway, "plugins" | "metrics">;
  /** The admin bearer token (required for /metrics and /console/webapps). */
  readonly token: string;
}

/**
 * The HTTP routes the admin server serves next to the Admin API: `GET /metrics`
 * (Prometheus, bearer token required) and the web console under `/console/` (`/` redirects
 * there). Returns true when it answered the request, false to let the Admin API have it.
 */
export function createOperatorRoutes(options: OperatorRoutesOptions): (req: AnyRequest, res: AnyResponse) => boolean {
  const authorize = (req: AnyRequest) => {
    const header = req.headers.authorization;
    return bearerMatches(typeof header === "string" ? header : null, options.token);
  };
  const metrics = createMetricsRoute(options.gateway.metrics, authorize);
  const consoleRoutes = createConsoleRoutes({ plugins: () => options.gateway.plugins(), authorize });
  return (req, res) => {
    if ((req.method === "GET" || req.method === "HEAD") && (req.url === "/" || req.url === "")) {
      res.writeHead(302, { location: "/console/" });
      res.end();
      return true;
    }
    return metrics(req, res) || consoleRoutes(req, res);
  };
}
