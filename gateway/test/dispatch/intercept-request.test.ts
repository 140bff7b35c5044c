import { create, fromBinary, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { newHookContext } from "../../src/dispatch/hook-context.js";
import { encodedPayload, interceptRequest } from "../../src/dispatch/intercept-request.js";
import { encodeCheckedPayload, encodePayload, MAX_PAYLOAD_BYTES, payloadBytes } from "../../src/dispatch/limits.js";
import { InterceptRequestSchema } from "../../src/gen/polyplug/v1/plugin_pb.js";

const payloads: JsonObject[] = [
  {},
  { message: "hello, plugin", user_id: "u-1", channel_id: "town" },
  { n: 0, neg: -1.5, big: 1e300, t: true, f: false, nothing: null, empty: "" },
  { nested: { list: [1, "two", null, false, { deep: [[], {}] }], "ключ": "значение ✓ 🎉" } },
  { data: "x".repeat(70_000) },
];

describe("interceptRequest", () => {
  it("serializes to the same bytes as a request carrying the payload as JSON", () => {
    const context = newHookContext({ pluginId: "p", requestId: "r-1", metadata: { a: "b" }, timeoutMs: 500 });
    for (const payload of payloads) {
      const expected = toBinary(InterceptRequestSchema, create(InterceptRequestSchema, { context, topic: "a.b", payload }));
      const actual = toBinary(InterceptRequestSchema, interceptRequest(context, "a.b", encodedPayload(encodePayload(payload))));
      expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
      const decoded = fromBinary(InterceptRequestSchema, actual);
      expect(decoded.payload).toEqual(payload);
      expect(decoded.topic).toBe("a.b");
    }
  });

  it("can be reused for any number of requests", () => {
    const encoded = encodedPayload(encodePayload({ k: "v" }));
    const context = newHookContext({ pluginId: "p" });
    const first = toBinary(InterceptRequestSchema, interceptRequest(context, "t", encoded));
    const second = toBinary(InterceptRequestSchema, interceptRequest(context, "t", encoded));
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
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
