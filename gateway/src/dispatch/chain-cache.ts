import type { Logger } from "pino";
import type { ActivePlugin } from "./active-plugins.js";
import { interceptChain, type InterceptLink } from "./intercept-chain.js";

/** Topics remembered at most; a full cache starts over (topics come from callers). */
const MAX_TOPICS = 256;

interface CachedChain {
  /** The active plugins the chain was worked out from: their sessions and manifests. */
  readonly sessions: readonly unknown[];
  readonly manifests: readonly unknown[];
  readonly links: InterceptLink[];
}

/**
 * interceptChain per topic, worked out again only when the active plugins changed: another
 * plugin, a restarted one (new session, so new Describe answers) or a new manifest. Working
 * a chain out matches every plugin's subscriptions and sorts; checking the cache compares
 * object identities. The warning for a subscription a plugin does not implement is logged
 * when the chain is worked out, not on every call.
 */
export class InterceptChainCache {
  private readonly chains = new Map<string, CachedChain>();

  /** The chain for `topic` over `plugins` (the active plugins, as ActivePlugins.list() gives them). */
  links(plugins: readonly ActivePlugin[], topic: string, logger: Logger): readonly InterceptLink[] {
    const cached = this.chains.get(topic);
    if (cached && sameOrigin(cached, plugins)) return cached.links;
    const links = interceptChain(plugins, topic, logger);
    if (this.chains.size >= MAX_TOPICS) this.chains.clear();
    this.chains.set(topic, { sessions: plugins.map((p) => p.session), manifests: plugins.map((p) => p.manifest), links });
    return links;
  }
}

function sameOrigin(cached: CachedChain, plugins: readonly ActivePlugin[]): boolean {
  if (cached.sessions.length !== plugins.length) return false;
  for (let i = 0; i < plugins.length; i++) {
    const plugin = plugins[i] as ActivePlugin;
    if (plugin.session !== cached.sessions[i] || plugin.manifest !== cached.manifests[i]) return false;
  }
  return true;
}
