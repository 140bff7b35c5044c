import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";
import { ErrorCode, PolyplugError } from "../errors.js";

interface TokenBody {
  /** Format version. */
  readonly v: 1;
  /** The prefix of the listing the token belongs to. */
  readonly p: string;
  /** The last key of the page that produced the token; the next page starts after it. */
  readonly k: string;
}

/**
 * The opaque token for the page after `lastKey` in a listing of `prefix`: base64url of
 * a small JSON object. It binds the prefix so a token cannot continue another listing.
 */
export function encodePageToken(prefix: string, lastKey: string): string {
  const body: TokenBody = { v: 1, p: prefix, k: lastKey };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** Throws `invalid_argument` naming `page_size` unless `pageSize` is a whole number of 1..LIMITS.kvMaxPageSize (the contract's). */
export function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIMITS.kvMaxPageSize) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `page_size: must be 1..${LIMITS.kvMaxPageSize}, got ${pageSize}`,
      {
        details: { field: "page_size" },
      },
    );
  }
}

function invalidToken(reason: string): PolyplugError {
  return new PolyplugError(
    ErrorCode.InvalidArgument,
    `page_token: ${reason}; pass the next_page_token of the previous page of the same listing, or empty for the first page`,
    {
      details: { field: "page_token" },
    },
  );
}

/**
 * The key a page token says to continue after, or undefined for an empty token (first
 * page). Throws `invalid_argument` naming `page_token` for a token this store did not
 * produce or produced for a different prefix.
 */
export function decodePageToken(prefix: string, token: string): string | undefined {
  if (token === "") return undefined;
  let body: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidToken("not a token produced by KvList");
  }
  const { v, p, k } = (body ?? {}) as Partial<Record<keyof TokenBody, unknown>>;
  if (v !== 1 || typeof p !== "string" || typeof k !== "string" || !k.startsWith(p)) {
    throw invalidToken("not a token produced by KvList");
  }
  if (p !== prefix) throw invalidToken("the token belongs to a listing with another prefix");
  return k;
}

/**
 * The smallest string greater than every string that starts with `prefix`, in UTF-8
 * byte order (which equals code point order), or undefined when there is none (empty
 * prefix, or one made only of U+10FFFF). Used as the exclusive upper end of a range scan.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? 0;
    if (last === 0x10ffff) continue;
    // Skip the surrogate range: those code points cannot appear in well-formed text.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return String.fromCodePoint(...codePoints, next);
  }
  return undefined;
}
