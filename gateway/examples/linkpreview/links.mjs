// Pure link handling for the linkpreview example: finding, cleaning and judging URLs.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"')]+/gi;
const TRACKING_PARAMS = /^(utm_[a-z]+|fbclid|gclid|mc_eid|ref_src)$/i;

/** The settings with their defaults applied. */
export function readSettings(config) {
  return {
    blockedDomains: Array.isArray(config.blocked_domains)
      ? config.blocked_domains.map((d) => String(d).toLowerCase())
      : [],
    maxLinks: Number.isInteger(config.max_links) && config.max_links > 0 ? config.max_links : 5,
    stripTrackingParams: config.strip_tracking_params !== false,
  };
}

/** Every http(s) URL in `text`, in order. */
export function findLinks(text) {
  return text.match(URL_PATTERN) ?? [];
}

/** The URL without tracking parameters. */
export function stripTracking(link) {
  const url = new URL(link);
  for (const name of [...url.searchParams.keys()]) if (TRACKING_PARAMS.test(name)) url.searchParams.delete(name);
  return url.toString();
}

/** The blocked domain `link` points to (the domain itself or a subdomain), if any. */
export function blockedDomainOf(link, blockedDomains) {
  const host = new URL(link).hostname.toLowerCase();
  return blockedDomains.find((domain) => host === domain || host.endsWith(`.${domain}`));
}
