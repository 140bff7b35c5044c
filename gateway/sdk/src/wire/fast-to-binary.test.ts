import fc from "fast-check";
import {
  create,
  fromBinary,
  toBinary,
  ScalarType,
  type DescField,
  type DescMessage,
  type DescService,
} from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Admin } from "../gen/polyplug/v1/admin_pb.js";
import { GatewayAPI } from "../gen/polyplug/v1/gateway_api_pb.js";
import { Gateway } from "../gen/polyplug/v1/gateway_pb.js";
import { InterceptRequestSchema, Plugin } from "../gen/polyplug/v1/plugin_pb.js";
import { GRPCBroker } from "../gen/plugin/grpc_broker_pb.js";
import { fastToBinary } from "./fast-to-binary.js";

const SERVICES: DescService[] = [Plugin, GatewayAPI, Gateway, Admin, GRPCBroker];
const SCHEMAS = [
  ...new Set(SERVICES.flatMap((service) => service.methods.flatMap((method) => [method.input, method.output]))),
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.string({ maxLength: 200 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;
const jsonObject = fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 6 });

/** A random value for one field (zero values included, so presence rules are exercised). */
function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  const scalar = (type: ScalarType | undefined): fc.Arbitrary<unknown> => {
    switch (type) {
      case ScalarType.STRING:
        return fc.oneof(fc.constant(""), fc.string({ unit: "grapheme", maxLength: 150 }));
      case ScalarType.BOOL:
        return fc.boolean();
      case ScalarType.BYTES:
        return fc.uint8Array({ maxLength: 300 });
      case ScalarType.DOUBLE:
        return fc.double();
      case ScalarType.INT64:
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case ScalarType.UINT64:
        return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
      case ScalarType.UINT32:
        return fc.oneof(fc.constant(0), fc.nat({ max: 0xffffffff }));
      default:
        return fc.oneof(fc.constant(0), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    }
  };
  const message = (schema: DescMessage): fc.Arbitrary<unknown> =>
    schema.typeName === "google.protobuf.Struct" ? jsonObject : messageInit(schema, depth + 1);
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar);
    case "enum":
      return fc.constantFrom(...field.enum.values.map((value) => value.number));
    case "message":
      return message(field.message);
    case "list":
      return fc.array(
        field.listKind === "message"
          ? messageInit(field.message, depth + 1)
          : field.listKind === "enum"
            ? fc.constantFrom(...field.enum.values.map((v) => v.number))
            : scalar(field.scalar),
        { maxLength: depth > 2 ? 0 : 3 },
      );
    case "map":
      return fc.dictionary(
        fc.string({ maxLength: 6 }),
        field.mapKind === "message"
          ? messageInit(field.message, depth + 1)
          : field.mapKind === "enum"
            ? fc.constantFrom(...field.enum.values.map((v) => v.number))
            : scalar(field.scalar),
        { maxKeys: depth > 2 ? 0 : 3 },
      );
  }
}

function messageInit(schema: DescMessage, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 3) return fc.constant(create(schema));
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of schema.fields) if (!field.oneof) parts[field.localName] = fieldValue(field, depth);
  for (const oneof of schema.oneofs) {
    parts[oneof.localName] = fc.oneof(
      fc.constant({ case: undefined }),
      ...oneof.fields.map((field) => fieldValue(field, depth).map((value) => ({ case: field.localName, value }))),
    );
  }
  return fc.record(parts, { requiredKeys: [] }).map((init) => create(schema, init as never));
}

describe("fastToBinary", () => {
  it.each(SCHEMAS.map((schema) => [schema.typeName, schema] as const))(
    "produces protobuf-es's exact bytes for random %s messages",
    (_name, schema) => {
      fc.assert(
        fc.property(messageInit(schema), (message) => {
          const fast = Buffer.from(fastToBinary(schema, message as never)).toString("hex");
          const reference = Buffer.from(toBinary(schema, message as never)).toString("hex");
          expect(fast).toBe(reference);
        }),
        { numRuns: 150 },
      );
    },
  );

  it("moves the content when a nested length needs more than one byte, and keeps unknown fields", () => {
    const big = create(InterceptRequestSchema, {
      topic: "t",
      payload: { data: "é".repeat(70_000), list: [1, "two", null, true, { deep: [[]] }] },
    });
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, big))).toEqual(
      Buffer.from(toBinary(InterceptRequestSchema, big)),
    );
    const withUnknown = fromBinary(
      InterceptRequestSchema,
      Buffer.concat([Buffer.from(toBinary(InterceptRequestSchema, big)), Buffer.from([0xf8, 0x01, 0x07])]),
    );
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, withUnknown))).toEqual(
      Buffer.from(toBinary(InterceptRequestSchema, withUnknown)),
    );
  });

  it("splices the lengths of large nested content (8 KiB and more) in the right places", () => {
    const payload = {
      a: { b: [{ c: "é".repeat(20_000) }, "x".repeat(9_000), { d: ["y".repeat(10_000), { e: "small" }] }] },
      f: "small",
      g: { h: "z".repeat(8_200) },
      i: Array.from({ length: 900 }, (_, n) => ({ n })),
    };
    const message = create(InterceptRequestSchema, {
      context: { requestId: "r".repeat(9_000), metadata: { k: "v".repeat(9_000), l: "w" } },
      topic: "t",
      payload,
    });
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, message))).toEqual(
      Buffer.from(toBinary(InterceptRequestSchema, message)),
    );
  });

  it("leaves values it does not expect to protobuf-es (its bytes, or its error)", () => {
    const odd = create(InterceptRequestSchema, { topic: "t" });
    (odd as unknown as { payload: unknown }).payload = { n: 10n };
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, odd))).toEqual(
      Buffer.from(toBinary(InterceptRequestSchema, odd)),
    );
    const wrongType = create(InterceptRequestSchema, { topic: "t" });
    (wrongType as unknown as { topic: unknown }).topic = 5;
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, wrongType))).toEqual(
      Buffer.from(toBinary(InterceptRequestSchema, wrongType)),
    );
    const outOfRange = create(InterceptRequestSchema, { topic: "t", context: { deadline: { seconds: 2n ** 70n } } });
    expect(() => fastToBinary(InterceptRequestSchema, outOfRange)).toThrow(/cannot encode/);
  });
});
