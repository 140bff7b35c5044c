/**
 * Which client carries unary calls (hooks, health, Shutdown) to a plugin: `h2`, Polyplug's
 * own HTTP/2 client (rpc/h2, the default: fewest allocations and writes per call), or
 * `node-http2`, the fallback on Node's nghttp2-based `node:http2` (rpc/http2-unary.ts), for
 * a plugin whose HTTP/2 stack disagrees with rpc/h2. Both pass the same test suites
 * (gateway/test/rpc) and carry the broker and stdio streams on the same connection.
 * This module only names and picks one (flags, config, start options); the clients themselves
 * are created by plugin-unary-transport.ts, which a start loads once a plugin is spawned
 * (node:http2 and rpc/h2 are not evaluated before: issue 17, start → first answer).
 */
import { ErrorCode, PolyplugError } from "../errors.js";

export const PLUGIN_TRANSPORTS = ["h2", "node-http2"] as const;
export type PluginTransport = (typeof PLUGIN_TRANSPORTS)[number];
export const DEFAULT_PLUGIN_TRANSPORT: PluginTransport = "h2";
/** Environment variable that picks the transport when no option does (serve config `pluginTransport` wins). */
export const PLUGIN_TRANSPORT_ENV = "POLYPLUG_PLUGIN_TRANSPORT";

/** Checks a transport name (from a flag, config or the environment); `source` names where it came from. */
export function parsePluginTransport(value: string, source: string): PluginTransport {
  if ((PLUGIN_TRANSPORTS as readonly string[]).includes(value)) return value as PluginTransport;
  throw new PolyplugError(
    ErrorCode.InvalidArgument,
    `${source} must be ${PLUGIN_TRANSPORTS.join(" or ")}, got ${JSON.stringify(value)}`,
  );
}

/** The transport to use: `chosen` if given, else $POLYPLUG_PLUGIN_TRANSPORT, else `h2`. */
export function resolvePluginTransport(
  chosen: PluginTransport | undefined,
  env: NodeJS.ProcessEnv = process.env,
): PluginTransport {
  if (chosen !== undefined) return chosen;
  const fromEnv = env[PLUGIN_TRANSPORT_ENV];
  return fromEnv ? parsePluginTransport(fromEnv, PLUGIN_TRANSPORT_ENV) : DEFAULT_PLUGIN_TRANSPORT;
}
