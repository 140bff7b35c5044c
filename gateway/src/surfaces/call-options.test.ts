// toCallOptions builds its CallOptions key by key (a spread is a slow clone on Node 20):
// the same keys, in the same order, with the same values as the plain object literal.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallOptions } from "../dispatch/dispatcher.js";
import { toCallOptions, type CallerFields, type TransportContext } from "./call-options.js";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** The definition: what toCallOptions returns for valid fields, written the obvious way. */
function expected(fields: CallerFields, transport: TransportContext): CallOptions {
  const header = transport.traceparentHeader ?? "";
  const traceparent =
    fields.traceparent || (/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(header) ? header : "");
  const limits = [fields.timeoutMs || undefined, transport.timeoutMs].filter((v): v is number => v !== undefined);
  return {
    ...(fields.requestId ? { requestId: fields.requestId } : {}),
    ...(traceparent ? { traceparent } : {}),
    metadata: { ...fields.metadata },
    ...(limits.length > 0 ? { timeoutMs: Math.max(1, Math.min(...limits)) } : {}),
    ...(transport.signal ? { signal: transport.signal } : {}),
  };
}

describe("toCallOptions", () => {
  it("gives the same keys in the same order and the same values as the object literal", () => {
    const signal = new AbortController().signal;
    fc.assert(
      fc.property(
        fc.record(
          {
            requestId: fc.constantFrom("", "app-1", "a:b.c_d-e"),
            traceparent: fc.constantFrom("", TRACEPARENT),
            metadata: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/), fc.string({ maxLength: 8 }), {
              maxKeys: 3,
            }),
            timeoutMs: fc.integer({ min: 0, max: 300_000 }),
          },
          { requiredKeys: ["requestId", "traceparent", "metadata"] },
        ),
        fc.record({
          traceparentHeader: fc.constantFrom(null, undefined, "", "nope", TRACEPARENT),
          timeoutMs: fc.option(fc.integer({ min: -5, max: 400_000 }), { nil: undefined }),
          signal: fc.constantFrom(undefined, signal),
        }),
        (fields, transport) => {
          const got = toCallOptions(fields, transport);
          const want = expected(fields, transport);
          expect(Object.entries(got)).toEqual(Object.entries(want));
          expect(got.metadata).not.toBe(fields.metadata);
        },
      ),
      { numRuns: 500 },
    );
  });
});
