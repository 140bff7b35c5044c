import type { OutgoingHttpHeaders } from "node:http";
import { isIdentityHeader, REQUEST_ID_HEADER } from "@polyplug/sdk/internal/contract/headers.js";

/** One header field, as in polyplug.v1.HttpHeader. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "trailer",
  "http2-settings",
]);

function isHopByHop(name: string, listedInConnection: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith("proxy-") || listedInConnection.has(name);
}

function connectionTokens(pairs: readonly HeaderField[]): Set<string> {
  const tokens = new Set<string>();
  for (const { name, value } of pairs) {
    if (name === "connection") for (const token of value.split(",")) tokens.add(token.trim().toLowerCase());
  }
  return tokens;
}

function toPairs(rawHeaders: readonly string[]): HeaderField[] {
  const pairs: HeaderField[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push({ name: (rawHeaders[i] as string).toLowerCase(), value: rawHeaders[i + 1] as string });
  }
  return pairs;
}

/**
 * The headers a plugin receives for a client request, from Node's `rawHeaders` (order and
 * repeats kept, names lower-cased). Removed: hop-by-hop headers (and those the Connection
 * header lists), HTTP/2 pseudo-headers (`:authority` becomes `host` when there is none),
 * and every client header starting with `polyplug-` or `x-polyplug-`, so the
 * gateway-set identity headers that follow can be trusted. Added: `polyplug-request-id`.
 */
export function toPluginRequestHeaders(rawHeaders: readonly string[], requestId: string): HeaderField[] {
  const pairs = toPairs(rawHeaders);
  const listed = connectionTokens(pairs);
  const kept = pairs.filter(
    ({ name }) => !name.startsWith(":") && !isHopByHop(name, listed) && !isIdentityHeader(name),
  );
  const authority = pairs.find(({ name }) => name === ":authority");
  if (authority && !kept.some(({ name }) => name === "host")) kept.unshift({ name: "host", value: authority.value });
  kept.push({ name: REQUEST_ID_HEADER, value: requestId });
  return kept;
}

/**
 * Response headers from a plugin, as a Node header object (repeated names become
 * arrays). Hop-by-hop headers and pseudo-headers are removed; names are lower-cased.
 */
export function toClientResponseHeaders(fields: readonly HeaderField[]): OutgoingHttpHeaders {
  const lowered = fields.map(({ name, value }) => ({ name: name.toLowerCase(), value }));
  const listed = connectionTokens(lowered);
  const headers: Record<string, string | string[]> = {};
  for (const { name, value } of lowered) {
    if (name === "" || name.startsWith(":") || isHopByHop(name, listed)) continue;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}
