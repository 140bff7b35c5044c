import type { Http2UnaryOptions, UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { createH2UnaryTransport } from "./h2/unary-transport.js";
import { createHttp2UnaryTransport } from "./http2-unary.js";
import type { PluginTransport } from "./plugin-transport.js";

/** Creates the unary transport `kind` (plugin-transport.ts) for one plugin address (it connects on the first call). */
export function createPluginUnaryTransport(kind: PluginTransport, options: Http2UnaryOptions): UnaryTransport {
  return kind === "node-http2" ? createHttp2UnaryTransport(options) : createH2UnaryTransport(options);
}
