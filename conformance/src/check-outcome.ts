/** Thrown by a check when the plugin broke the rule the case checks. */
export class CheckFailure extends Error {
  override readonly name = "CheckFailure";
}

/** Thrown by a check when the case does not apply to this plugin (e.g. a TCP case for a unix-socket plugin). */
export class CaseNotApplicable extends Error {
  override readonly name = "CaseNotApplicable";
}

/** Fails the case with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** Fails the case. */
export function fail(message: string): never {
  throw new CheckFailure(message);
}

/** Marks the case as not applicable. */
export function notApplicable(reason: string): never {
  throw new CaseNotApplicable(reason);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("base64")}`;
  if (typeof value === "bigint") return value.toString();
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Short JSON for messages (long values are cut). */
export function show(value: unknown, max = 300): string {
  const text = JSON.stringify(canonical(value)) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Deep equality of JSON-like values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Fails unless `actual` deep-equals `expected`, naming `what`. */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (!deepEqual(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}
