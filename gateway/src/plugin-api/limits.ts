/**
 * GatewayAPI values of the gateway's own. The contract's limits (sizes, page sizes, audience
 * counts) are `LIMITS` in @polyplug/sdk/internal/contract/limits.js.
 */

/** google.protobuf.Duration's largest valid seconds (about 10 000 years). */
export const MAX_DURATION_SECONDS = 315_576_000_000n;

/** Log field keys reserved for the gateway; a plugin's own are renamed `plugin.<key>`. */
export const RESERVED_LOG_FIELDS: ReadonlySet<string> = new Set(["plugin_id", "level", "msg", "time", "request_id"]);
