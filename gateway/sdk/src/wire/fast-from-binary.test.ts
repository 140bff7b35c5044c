import { deepStrictEqual } from "node:assert/strict";
import fc from "fast-check";
import { create, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ErrorSchema } from "../gen/polyplug/v1/common_pb.js";
import {
  InterceptProceedSchema,
  InterceptRequestSchema,
  InterceptResponseSchema,
  NotifyResponseSchema,
  Plugin,
} from "../gen/polyplug/v1/plugin_pb.js";
import { fastFromBinary } from "./fast-from-binary.js";

/** fastFromBinary agrees with protobuf-es: the same message (prototype and own keys included), or the same error. */
function agrees(schema: DescMessage, bytes: Uint8Array): void {
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = fromBinary(schema, bytes);
  } catch (error) {
    expectedError = error;
  }
  if (expectedError !== undefined) {
    expect(() => fastFromBinary(schema, bytes)).toThrow((expectedError as Error).message);
    return;
  }
  deepStrictEqual(fastFromBinary(schema, bytes), expected);
}

const proceed = toBinary(
  InterceptResponseSchema,
  create(InterceptResponseSchema, { outcome: { case: "proceed", value: create(InterceptProceedSchema) } }),
);

/** InterceptResponses of every outcome, with and without an error, as plugins send them. */
const responses = fc
  .record({
    outcome: fc.oneof(
      fc.constant({ case: undefined }),
      fc.constant({ case: "proceed" as const, value: {} }),
      fc.record({ case: fc.constant("reject" as const), value: fc.record({ reason: fc.string(), code: fc.string() }) }),
      fc.record({
        case: fc.constant("modify" as const),
        value: fc.record({ payload: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 20 })) }),
      }),
    ),
    error: fc.option(fc.record({ message: fc.string({ maxLength: 30 }) }), { nil: undefined }),
  })
  .map((init) => toBinary(InterceptResponseSchema, create(InterceptResponseSchema, init)));

describe("fastFromBinary", () => {
  it("decodes the two bytes of a proceed answer as protobuf-es does, a new message each time", () => {
    expect([...proceed]).toEqual([0x0a, 0x00]);
    agrees(InterceptResponseSchema, proceed);
    const first = fastFromBinary(InterceptResponseSchema, proceed);
    const second = fastFromBinary(InterceptResponseSchema, proceed);
    expect(first).not.toBe(second);
    expect(first.outcome.value).not.toBe(second.outcome.value);
    expect(first.outcome.case).toBe("proceed");
    expect(first.error).toBeUndefined();
  });

  it("leaves the same two bytes of other messages to protobuf-es", () => {
    for (const schema of [InterceptRequestSchema, NotifyResponseSchema, ErrorSchema, InterceptProceedSchema])
      agrees(schema, proceed);
  });

  it("agrees with protobuf-es on near misses: empty, repeated, with more fields, truncated, bad tags", () => {
    const cases = [[], [0x0a], [0x0a, 0x00, 0x0a, 0x00], [0x0a, 0x01], [0x0a, 0x01, 0x00], [0x12, 0x00], [0x0b, 0x00]];
    for (const bytes of cases) agrees(InterceptResponseSchema, new Uint8Array(bytes));
    agrees(InterceptResponseSchema, Buffer.from([0x0a, 0x00]).subarray(0)); // a Buffer, as the transport hands it
  });

  it("agrees with protobuf-es on every InterceptResponse (fast-check)", () => {
    fc.assert(
      fc.property(responses, (bytes) => agrees(InterceptResponseSchema, bytes)),
      { numRuns: 300 },
    );
  });

  it("agrees with protobuf-es on arbitrary bytes (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => agrees(InterceptResponseSchema, bytes)),
      { numRuns: 500 },
    );
  });
});

describe("fastFromBinary's fast path", () => {
  it("applies to the Plugin service's Intercept answers (the schema the rpc clients pass is the same object)", () => {
    expect(Plugin.method.intercept.output).toBe(InterceptResponseSchema);
  });
});
