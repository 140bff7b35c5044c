import { Code } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { ErrorCode, PolyplugError } from "../errors.js";
import { toConnectError } from "./error-mapping.js";
import type { AnyRequest, AnyResponse } from "./http-routes.js";

const GRPC_CONTENT_TYPE = /^application\/grpc(-web)?(?:\+[a-z]+)?(?:;.*)?$/i;

/**
 * Answers `resource_exhausted` without reading the request body, in the caller's protocol:
 * gRPC and gRPC-Web get a trailers-only response (HTTP 200, `grpc-status: 8`); Connect and
 * plugin HTTP routes get HTTP 429 with the JSON error body both use
 * (`{"code":"resource_exhausted","message":…}`). Every answer carries `retry-after`
 * (seconds) and `polyplug-error-code: resource_exhausted`. The connection stays usable.
 */
export function sendResourceExhausted(req: AnyRequest, res: AnyResponse, message: string, retryAfterSeconds: number): void {
  if (res.headersSent || res.destroyed) return;
  const error = toConnectError(new PolyplugError(ErrorCode.ResourceExhausted, message));
  const headers: Record<string, string> = { "retry-after": String(retryAfterSeconds) };
  error.metadata.forEach((value, key) => {
    headers[key] = value;
  });
  const contentType = req.headers["content-type"] ?? "";
  const grpc = GRPC_CONTENT_TYPE.exec(contentType);
  if (grpc) {
    setTrailerStatus(new Headers(), error).forEach((value, key) => {
      headers[key] = value;
    });
    headers["content-type"] = contentType;
    res.writeHead(200, headers);
    res.end();
  } else {
    const body = errorToJsonBytes(error, {});
    headers["content-type"] = "application/json";
    headers["content-length"] = String(body.byteLength);
    res.writeHead(codeToHttpStatus(Code.ResourceExhausted), headers);
    res.end(body);
  }
  // The body nobody will read is discarded (on HTTP/1.1 it would stall the next request).
  req.resume();
}
