import fc from "fast-check";
import { create, fromBinary, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { HookContextSchema } from "../gen/polyplug/v1/common_pb.js";
import { InterceptRequestSchema } from "../gen/polyplug/v1/plugin_pb.js";
import { fastToBinary } from "./fast-to-binary.js";
import { encodedPayload, InterceptRequestEncoder } from "./intercept-request.js";
import { encodeStruct } from "./struct-encoder.js";

const payloads: JsonObject[] = [
  {},
  { message: "hello, plugin", user_id: "u-1", channel_id: "town" },
  { n: 0, neg: -1.5, big: 1e300, t: true, f: false, nothing: null, empty: "" },
  { nested: { list: [1, "two", null, false, { deep: [[], {}] }], ключ: "значение ✓ 🎉" } },
  { data: "x".repeat(70_000) },
];

const contexts = [
  { requestId: "r-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", metadata: { a: "b" } },
  { requestId: "", traceparent: "", metadata: {} },
  {
    requestId: "ü-🎉".repeat(40),
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    metadata: { "": "", "2": "two", z: "ключ ✓".repeat(30), "1": "one" },
  },
];
const plugins = ["p", "", "plügin.🎉", "x".repeat(200)];
const deadlines = [
  Date.parse("2026-11-25T18:00:00.000Z"),
  Date.parse("2026-11-25T18:00:00.123Z"),
  999,
  1000,
  0,
  2 ** 40 + 1,
];

/** What protobuf-es writes for the same request built field by field. */
function reference(
  fields: (typeof contexts)[number],
  pluginId: string,
  deadlineMs: number,
  topic: string,
  payload: JsonObject,
): Uint8Array {
  const context = create(HookContextSchema, { ...fields, pluginId, deadline: timestampFromMs(deadlineMs) });
  return toBinary(InterceptRequestSchema, create(InterceptRequestSchema, { context, topic, payload }));
}

describe("InterceptRequestEncoder", () => {
  it("serializes to the same bytes as protobuf-es does for {context, topic, payload}", () => {
    for (const fields of contexts) {
      for (const topic of ["a.b", "", "t".repeat(300)]) {
        const encoder = new InterceptRequestEncoder(fields, topic);
        for (const payload of payloads) {
          const encoded = encodedPayload(encodeStruct(payload));
          for (const pluginId of plugins) {
            for (const deadline of deadlines) {
              const request = encoder.request(pluginId, deadline, encoded);
              const expected = Buffer.from(reference(fields, pluginId, deadline, topic, payload));
              expect(Buffer.from(toBinary(InterceptRequestSchema, request)).equals(expected)).toBe(true);
              // The bytes written with the request, which every transport sends (fastToBinary).
              expect(Buffer.from(fastToBinary(InterceptRequestSchema, request)).equals(expected)).toBe(true);
            }
          }
        }
      }
    }
  });

  it("decodes to the context, topic and payload it was given", () => {
    const fields = contexts[2]!;
    const deadline = Date.now() + 1500;
    const decoded = fromBinary(
      InterceptRequestSchema,
      toBinary(
        InterceptRequestSchema,
        new InterceptRequestEncoder(fields, "a.b").request("p.1", deadline, encodedPayload(encodeStruct(payloads[3]!))),
      ),
    );
    expect(decoded.topic).toBe("a.b");
    expect(decoded.payload).toEqual(payloads[3]);
    expect(decoded.context).toMatchObject({
      requestId: fields.requestId,
      traceparent: fields.traceparent,
      pluginId: "p.1",
      metadata: fields.metadata,
      originPluginId: "",
    });
    expect(decoded.context?.deadline && timestampMs(decoded.context.deadline)).toBe(deadline);
  });

  it("builds independent requests: each step's bytes stay as they were", () => {
    const encoder = new InterceptRequestEncoder(contexts[0]!, "t");
    const encoded = encodedPayload(encodeStruct({ k: "v" }));
    const first = encoder.request("p1", 5000, encoded);
    const firstBytes = toBinary(InterceptRequestSchema, first);
    const written = Buffer.from(fastToBinary(InterceptRequestSchema, first));
    encoder.request("p2", 9000, encodedPayload(encodeStruct({ other: 1 })));
    expect(Buffer.from(toBinary(InterceptRequestSchema, first)).equals(Buffer.from(firstBytes))).toBe(true);
    expect(Buffer.from(fastToBinary(InterceptRequestSchema, first)).equals(written)).toBe(true);
    expect(written.equals(Buffer.from(firstBytes))).toBe(true);
    expect(Buffer.from(firstBytes).equals(Buffer.from(reference(contexts[0]!, "p1", 5000, "t", { k: "v" })))).toBe(
      true,
    );
  });
  it("keeps each chain's own topic when chains on other topics start meanwhile", () => {
    const encoded = encodedPayload(encodeStruct({ k: "v" }));
    const a = new InterceptRequestEncoder(contexts[0]!, "topic.a");
    const b = new InterceptRequestEncoder(contexts[0]!, "topic.b");
    const none = new InterceptRequestEncoder(contexts[0]!, "");
    const again = new InterceptRequestEncoder(contexts[0]!, "topic.a");
    for (const [encoder, topic] of [
      [a, "topic.a"],
      [b, "topic.b"],
      [none, ""],
      [again, "topic.a"],
    ] as const) {
      const bytes = fastToBinary(InterceptRequestSchema, encoder.request("p", 5000, encoded));
      expect(Buffer.from(bytes).equals(Buffer.from(reference(contexts[0]!, "p", 5000, topic, { k: "v" })))).toBe(true);
    }
  });
});

describe("InterceptRequestEncoder (differential against protobuf-es)", () => {
  const text = fc.oneof(
    fc.constant(""),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", minLength: 40, maxLength: 300 }),
  );
  const fields = fc.record({ requestId: text, traceparent: text, metadata: fc.dictionary(text, text, { maxKeys: 4 }) });
  const payload = fc.dictionary(
    text,
    fc.oneof(fc.constant(null), fc.boolean(), fc.double(), text, fc.array(text, { maxLength: 3 })),
    { maxKeys: 5 },
  ) as fc.Arbitrary<JsonObject>;
  // Epoch ms up to year ~2500, fractions included (whole milliseconds are sent), and the zero/negative edge.
  const deadline = fc.oneof(fc.constantFrom(0, -5, 999, 1000, 1001), fc.double({ min: 0, max: 1.7e13, noNaN: true }));

  it("every step's request is protobuf-es's bytes for {context, topic, payload}", () => {
    fc.assert(
      fc.property(
        fields,
        text,
        fc.array(fc.tuple(text, deadline, payload), { minLength: 1, maxLength: 3 }),
        (context, topic, steps) => {
          const encoder = new InterceptRequestEncoder(context, topic);
          for (const [pluginId, deadlineMs, body] of steps) {
            const request = encoder.request(pluginId, deadlineMs, encodedPayload(encodeStruct(body)));
            const expected = Buffer.from(
              reference(context, pluginId, Math.max(0, Math.floor(deadlineMs)), topic, body),
            ).toString("hex");
            expect(Buffer.from(toBinary(InterceptRequestSchema, request)).toString("hex")).toBe(expected);
            expect(Buffer.from(fastToBinary(InterceptRequestSchema, request)).toString("hex")).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
