// Header names the gateway and plugins agree on, each written once.

/**
 * The request id: set by the gateway on every plugin HTTP request (ServeHTTP) and answered on
 * every public Gateway call (Connect response header, gRPC initial metadata).
 */
export const REQUEST_ID_HEADER = "polyplug-request-id";

/** Public API response header (gRPC: trailer) carrying the gateway's own error code, e.g. `plugin_exited`. */
export const ERROR_CODE_HEADER = "polyplug-error-code";

/**
 * True for client-supplied header names that would impersonate gateway-set identity headers
 * (`polyplug-*`, `x-polyplug-*`); the gateway strips them before a plugin sees the request.
 */
export function isIdentityHeader(name: string): boolean {
  return name.startsWith("polyplug-") || name.startsWith("x-polyplug-");
}
