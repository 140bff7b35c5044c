import type { Logger } from "pino";
import type { ChainMember } from "./active-plugins.js";
import { interceptChain, type InterceptLink } from "./intercept-chain.js";

/** Topics remembered at most; a full cache starts over (topics come from callers). */
const MAX_TOPICS = 256;

interface CachedChain {
  /** The members the chain was worked out from: their ids, Describe answers and manifests. */
  readonly ids: readonly string[];
  readonly descriptions: readonly unknown[];
  readonly manifests: readonly unknown[];
  readonly links: InterceptLink[];
}

/**
 * interceptChain per topic, worked out again only when the members changed: another
 * plugin, a restarted one (new Describe answer) or a new manifest. Working a chain out
 * matches every plugin's subscriptions and sorts; checking the cache compares object
 * identities. A member that is down keeps its link: the link asks for the active plugin
 * when its step comes. The warning for a subscription a plugin does not implement is
 * logged when the chain is worked out, not on every call.
 */
export class InterceptChainCache {
  private readonly chains = new Map<string, CachedChain>();

  /** The chain for `topic` over `members` (as ActivePlugins.members() gives them). */
  links(members: readonly ChainMember[], topic: string, logger: Logger): readonly InterceptLink[] {
    const cached = this.chains.get(topic);
    if (cached && sameOrigin(cached, members)) return cached.links;
    const links = interceptChain(members, topic, logger);
    if (this.chains.size >= MAX_TOPICS) this.chains.clear();
    this.chains.set(topic, {
      ids: members.map((m) => m.pluginId),
      descriptions: members.map((m) => m.description),
      manifests: members.map((m) => m.manifest),
      links,
    });
    return links;
  }
}

function sameOrigin(cached: CachedChain, members: readonly ChainMember[]): boolean {
  if (cached.ids.length !== members.length) return false;
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as ChainMember;
    if (
      member.pluginId !== cached.ids[i] ||
      member.description !== cached.descriptions[i] ||
      member.manifest !== cached.manifests[i]
    )
      return false;
  }
  return true;
}
