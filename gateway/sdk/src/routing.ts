/**
 * Finds the handler key for a concrete topic among patterns: the exact topic first, then
 * the longest matching `prefix.*`, then `*`.
 */
export function matchTopic<T>(topic: string, handlers: Readonly<Record<string, T>>): T | undefined {
  const exact = handlers[topic];
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const pattern of Object.keys(handlers)) {
    if (!pattern.endsWith(".*")) continue;
    const prefix = pattern.slice(0, -1); // keeps the dot
    if (
      topic.length > prefix.length &&
      topic.startsWith(prefix) &&
      (best === undefined || pattern.length > best.length)
    )
      best = pattern;
  }
  if (best !== undefined) return handlers[best];
  return handlers["*"];
}

/** An HTTP route as declared: method upper case or "*", path prefix starting with "/". */
export interface RouteKey {
  readonly method: string;
  readonly pathPrefix: string;
}

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  const bare = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return path === bare || path.startsWith(`${bare}/`);
}

/** The route serving `method path`: longest matching prefix (at "/" boundaries), then exact method over "*". */
export function matchRoute<R extends RouteKey>(method: string, path: string, routes: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const route of routes) {
    if (route.method !== "*" && route.method !== method) continue;
    if (!prefixMatches(route.pathPrefix, path)) continue;
    if (
      best === undefined ||
      route.pathPrefix.length > best.pathPrefix.length ||
      (route.pathPrefix.length === best.pathPrefix.length && best.method === "*" && route.method !== "*")
    ) {
      best = route;
    }
  }
  return best;
}
