import type { AnyResponse } from "./http-routes.js";

/** Answers `status` with a JSON `{code, message}` body (Connect's error shape for unary calls). */
export function sendJsonError(res: AnyResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}
