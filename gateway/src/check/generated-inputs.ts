import type { JsonObject } from "@bufbuild/protobuf";
import fc from "fast-check";

/** Keys a generated payload may use: the common ones plugins look at, and arbitrary ones. */
const commonKeys = ["message", "text", "user_id", "channel_id", "url", "id", "count"] as const;

/**
 * JSON-object payloads like an application might send: usually a `message` string (what most
 * intercept hooks read), mixed with other common and arbitrary keys holding any JSON value a
 * few levels deep — empty strings, unicode, huge and negative numbers, nulls, arrays.
 */
export function payloadArbitrary(): fc.Arbitrary<JsonObject> {
  const value = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonObject[string]>;
  const key = fc.oneof(fc.constantFrom(...commonKeys), fc.string({ minLength: 1, maxLength: 24 }));
  return fc
    .tuple(
      fc.option(fc.string({ unit: "grapheme", maxLength: 200 }), { nil: undefined, freq: 4 }),
      fc.dictionary(key, value, { maxKeys: 6 }),
    )
    .map(([message, rest]) => (message === undefined ? rest : { ...rest, message }));
}

/** Arguments for a command line: words without whitespace, sometimes none. */
export function commandArgsArbitrary(): fc.Arbitrary<string[]> {
  return fc.array(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((word) => !/\s/.test(word)),
    { maxLength: 4 },
  );
}

/** A path below an HTTP route prefix, with an optional query string. */
export function routeSuffixArbitrary(): fc.Arbitrary<string> {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
  return fc
    .tuple(
      fc.array(segment, { maxLength: 3 }),
      fc.option(fc.stringMatching(/^[a-z]{1,6}=[A-Za-z0-9]{0,8}$/), { nil: undefined }),
    )
    .map(([segments, query]) => `${segments.join("/")}${query ? `?${query}` : ""}`);
}

/** A concrete topic for a subscription pattern (`a.*` → `a.check`, `*` → `polyplug.check`). */
export function topicFor(pattern: string): string {
  if (pattern === "*") return "polyplug.check";
  return pattern.endsWith(".*") ? `${pattern.slice(0, -1)}check` : pattern;
}
