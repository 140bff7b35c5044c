/** Result of version negotiation: the version to announce, and entries that were skipped. */
export interface NegotiatedVersion {
  readonly version: number;
  /** Entries of PLUGIN_PROTOCOL_VERSIONS that were not decimal integers. */
  readonly invalid: readonly string[];
  /** False when the host offered none of our versions (we announce our lowest anyway). */
  readonly matched: boolean;
}

/**
 * Picks the app protocol version from the host's comma-separated offer: the highest of
 * `supported` that the host listed; with no common version, the lowest of `supported`, so
 * the host (not the plugin) reports the incompatibility — go-plugin's behaviour.
 */
export function negotiateVersion(offer: string | undefined, supported: readonly number[]): NegotiatedVersion {
  const offered = new Set<number>();
  const invalid: string[] = [];
  for (const entry of (offer ?? "").split(",")) {
    if (entry === "") continue;
    if (/^[0-9]+$/.test(entry)) offered.add(Number(entry));
    else invalid.push(entry);
  }
  const ours = [...supported].sort((a, b) => b - a);
  const version = ours.find((v) => offered.has(v));
  if (version !== undefined) return { version, invalid, matched: true };
  return { version: ours[ours.length - 1] ?? 1, invalid, matched: false };
}
