import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

/**
 * Answers `status` with a JSON `{code, message}` body (Connect's error shape for unary calls).
 * When the response head is already out, a JSON answer is impossible: the response is
 * aborted instead (the client sees a broken response, never a wrong one).
 */
export function sendJsonError(
  res: ServerResponse | Http2ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code, message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
