import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { GatewayMetrics } from "./gateway-metrics.js";

/** Path of the Prometheus scrape endpoint. */
export const METRICS_PATH = "/metrics";

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * A request handler for `GET /metrics` (HEAD too): answers the exposition text and returns
 * true; returns false, touching nothing, for any other path so the caller can route on.
 * Other methods on /metrics get 405. With `authorize`, a request it refuses gets 401.
 */
export function createMetricsRoute(
  metrics: Pick<GatewayMetrics, "render" | "contentType">,
  authorize?: (req: AnyRequest) => boolean,
): (req: AnyRequest, res: AnyResponse) => boolean {
  return (req, res) => {
    const pathname = (req.url ?? "").split("?")[0];
    if (pathname !== METRICS_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("use GET /metrics\n");
      return true;
    }
    if (authorize && !authorize(req)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="polyplug"' });
      res.end(
        "missing or wrong bearer token: scrape with Authorization: Bearer <the token in <data dir>/admin-token>\n",
      );
      return true;
    }
    metrics.render().then(
      (text) => {
        res.writeHead(200, {
          "content-type": metrics.contentType,
          "content-length": Buffer.byteLength(text),
          "cache-control": "no-store",
        });
        if (req.method === "HEAD") res.end();
        else res.end(text);
      },
      (error: unknown) => {
        const message = `could not collect metrics: ${error instanceof Error ? error.message : String(error)}\n`;
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(message);
      },
    );
    return true;
  };
}
