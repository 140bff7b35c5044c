import { create, fromBinary, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { encodedPayload, InterceptRequestEncoder } from "../../src/dispatch/intercept-request.js";
import { encodeCheckedPayload, encodePayload, MAX_PAYLOAD_BYTES, payloadBytes } from "../../src/dispatch/limits.js";
import { HookContextSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { InterceptRequestSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";

const payloads: JsonObject[] = [
  {},
  { message: "hello, plugin", user_id: "u-1", channel_id: "town" },
  { n: 0, neg: -1.5, big: 1e300, t: true, f: false, nothing: null, empty: "" },
  { nested: { list: [1, "two", null, false, { deep: [[], {}] }], "ключ": "значение ✓ 🎉" } },
  { data: "x".repeat(70_000) },
];

const contexts = [
  { requestId: "r-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", metadata: { a: "b" } },
  { requestId: "", traceparent: "", metadata: {} },
  { requestId: "ü-🎉".repeat(40), traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", metadata: { "": "", "2": "two", z: "ключ ✓".repeat(30), "1": "one" } },
];
const plugins = ["p", "", "plügin.🎉", "x".repeat(200)];
const deadlines = [Date.parse("2026-11-25T18:00:00.000Z"), Date.parse("2026-11-25T18:00:00.123Z"), 999, 1000, 0, 2 ** 40 + 1];

/** What protobuf-es writes for the same request built field by field. */
function reference(fields: (typeof contexts)[number], pluginId: string, deadlineMs: number, topic: string, payload: JsonObject): Uint8Array {
  const context = create(HookContextSchema, { ...fields, pluginId, deadline: timestampFromMs(deadlineMs) });
  return toBinary(InterceptRequestSchema, create(InterceptRequestSchema, { context, topic, payload }));
}

describe("InterceptRequestEncoder", () => {
  it("serializes to the same bytes as protobuf-es does for {context, topic, payload}", () => {
    for (const fields of contexts) {
      for (const topic of ["a.b", "", "t".repeat(300)]) {
        const encoder = new InterceptRequestEncoder(fields, topic);
        for (const payload of payloads) {
          const encoded = encodedPayload(encodePayload(payload));
          for (const pluginId of plugins) {
            for (const deadline of deadlines) {
              const actual = toBinary(InterceptRequestSchema, encoder.request(pluginId, deadline, encoded));
              expect(Buffer.from(actual).equals(Buffer.from(reference(fields, pluginId, deadline, topic, payload)))).toBe(true);
            }
          }
        }
      }
    }
  });

  it("decodes to the context, topic and payload it was given", () => {
    const fields = contexts[2]!;
    const deadline = Date.now() + 1500;
    const decoded = fromBinary(InterceptRequestSchema, toBinary(InterceptRequestSchema, new InterceptRequestEncoder(fields, "a.b").request("p.1", deadline, encodedPayload(encodePayload(payloads[3]!)))));
    expect(decoded.topic).toBe("a.b");
    expect(decoded.payload).toEqual(payloads[3]);
    expect(decoded.context).toMatchObject({ requestId: fields.requestId, traceparent: fields.traceparent, pluginId: "p.1", metadata: fields.metadata, originPluginId: "" });
    expect(decoded.context?.deadline && timestampMs(decoded.context.deadline)).toBe(deadline);
  });

  it("builds independent requests: each step's bytes stay as they were", () => {
    const encoder = new InterceptRequestEncoder(contexts[0]!, "t");
    const encoded = encodedPayload(encodePayload({ k: "v" }));
    const first = encoder.request("p1", 5000, encoded);
    const firstBytes = toBinary(InterceptRequestSchema, first);
    encoder.request("p2", 9000, encodedPayload(encodePayload({ other: 1 })));
    expect(Buffer.from(toBinary(InterceptRequestSchema, first)).equals(Buffer.from(firstBytes))).toBe(true);
    expect(Buffer.from(firstBytes).equals(Buffer.from(reference(contexts[0]!, "p1", 5000, "t", { k: "v" })))).toBe(true);
  });
});

describe("encodeCheckedPayload", () => {
  it("returns the Struct bytes and rejects payloads over the limit naming the size", () => {
    expect(encodeCheckedPayload({ a: 1 }).length).toBe(payloadBytes({ a: 1 }));
    const big = { data: "x".repeat(MAX_PAYLOAD_BYTES) };
    expect(() => encodeCheckedPayload(big, "modified payload")).toThrowError(
      expect.objectContaining({ code: "resource_exhausted", message: expect.stringMatching(/^modified payload is \d+ bytes serialized, over the limit of 8388608 bytes/) }),
    );
  });
});
