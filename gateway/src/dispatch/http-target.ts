import { ErrorCode, PolyplugError } from "../errors.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { ActivePlugin } from "./active-plugins.js";

/** True when `prefix` matches `path` at a `/` boundary (`/a` matches `/a` and `/a/b`, not `/ab`). */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  if (prefix === "" || prefix === "/") return true;
  const clean = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return path === clean || path.startsWith(`${clean}/`);
}

/**
 * Checks that `plugin` serves `method path` over ServeHTTP: it implements the hook and one
 * of its Describe routes matches (method or "*", path prefix). No routes means every path.
 */
export function checkHttpRoute(
  plugin: ActivePlugin | undefined,
  pluginId: string,
  method: string,
  path: string,
): ActivePlugin {
  if (!plugin) throw new PolyplugError(ErrorCode.NotFound, `no active plugin with id ${JSON.stringify(pluginId)}`);
  if (!plugin.session.implements(Hook.SERVE_HTTP))
    throw new PolyplugError(ErrorCode.NotFound, `plugin ${pluginId} does not serve HTTP`);
  const routes = plugin.session.description.httpRoutes;
  if (routes.length === 0) return plugin;
  const upper = method.toUpperCase();
  if (
    routes.some(
      (route) =>
        (route.method === "*" || route.method === "" || route.method.toUpperCase() === upper) &&
        pathPrefixMatches(route.pathPrefix, path),
    )
  )
    return plugin;
  throw new PolyplugError(ErrorCode.NotFound, `plugin ${pluginId} has no HTTP route for ${upper} ${path}`);
}
