import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { contractCodeName } from "@polyplug/sdk/internal/contract/codes.js";
import type { InterceptResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { assert, deepEqual, fail, show } from "../../check-outcome.js";

/** ErrorCode number from its full name (`ERROR_CODE_NOT_FOUND`) or short name (`NOT_FOUND`). */
export function errorCodeNumber(name: unknown): number {
  const key = String(name).replace(/^ERROR_CODE_/, "");
  const value = (ErrorCode as unknown as Record<string, number>)[key];
  if (value === undefined) fail(`case data names an unknown error code ${show(name)}`);
  return value;
}

/** `ERROR_CODE_X` name of an ErrorCode number as sent (no §8.3 reading: a plugin sending 0 or 42 must fail a check); `ERROR_CODE_CODE_<n>` outside the set. */
export function errorCodeName(code: number): string {
  return `ERROR_CODE_${contractCodeName(code)}`;
}

/**
 * Checks an InterceptResponse against `expect`:
 * `{ outcome: proceed | modify | reject | error, payload?, reason?, code?, error_code?, message_contains? }`.
 */
export function expectIntercept(response: InterceptResponse, expect: Readonly<Record<string, unknown>>): void {
  const outcome = String(expect.outcome);
  const got = response.error ? "error" : (response.outcome.case ?? "proceed");
  const detail = response.error
    ? `${errorCodeName(response.error.code)}: ${response.error.message}`
    : show(response.outcome.value ?? {});
  assert(got === outcome, `expected outcome ${outcome}, got ${got} (${detail})`);
  if (outcome === "modify" && "payload" in expect) {
    const payload = response.outcome.case === "modify" ? response.outcome.value.payload : undefined;
    assert(
      deepEqual(payload, expect.payload),
      `modified payload: expected ${show(expect.payload)}, got ${show(payload)}`,
    );
  }
  if (outcome === "reject" && response.outcome.case === "reject") {
    if ("reason" in expect)
      assert(
        response.outcome.value.reason === expect.reason,
        `reject reason: expected ${show(expect.reason)}, got ${show(response.outcome.value.reason)}`,
      );
    if ("code" in expect)
      assert(
        response.outcome.value.code === expect.code,
        `reject code: expected ${show(expect.code)}, got ${show(response.outcome.value.code)}`,
      );
  }
  if (outcome === "error" && response.error) {
    if ("error_code" in expect)
      assert(
        response.error.code === errorCodeNumber(expect.error_code),
        `error code: expected ${show(expect.error_code)}, got ${errorCodeName(response.error.code)} (${response.error.message})`,
      );
    if ("message_contains" in expect)
      assert(
        response.error.message.includes(String(expect.message_contains)),
        `error message ${show(response.error.message)} does not contain ${show(expect.message_contains)}`,
      );
  }
}

/** True when every key of `expected` deep-equals the same key of `actual` (recursively for objects). */
export function partialMatch(actual: unknown, expected: unknown): boolean {
  if (expected && typeof expected === "object" && !Array.isArray(expected)) {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => partialMatch((actual as Record<string, unknown>)[k], v));
  }
  return deepEqual(actual, expected);
}
