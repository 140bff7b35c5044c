// The JSON fast path (fast-gateway-handler.ts) against connect-node's handler: the same
// requests to a server with the fast path and one without (same dispatcher) must get
// the same status, headers and body bytes, and reach the dispatcher with the same values.
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions } from "../../src/dispatch/dispatcher.js";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { FakeDispatcher } from "./fake-dispatcher.js";
import { describeResponse, rawRequest, type RawRequest } from "./raw-http.js";
import { scriptedIntercept } from "./scripted-verdicts.js";

const LIMIT = 256 * 1024;
// biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53 on purpose: both paths must round it the same way
const PAST_2_53 = 12345678901234567890;
let dispatcher: FakeDispatcher;
let fast: PublicServer;
let reference: PublicServer;

beforeAll(async () => {
  dispatcher = new FakeDispatcher();
  dispatcher.onIntercept = scriptedIntercept;
  fast = await startPublicServer({ port: 0, dispatcher, maxBodyBytes: LIMIT });
  reference = await startPublicServer({ port: 0, dispatcher, maxBodyBytes: LIMIT, fastPath: false });
});
afterAll(async () => {
  await fast.close();
  await reference.close();
});

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";
const NOTIFY = "/polyplug.v1.Gateway/Notify";
const JSON_TYPE = { "content-type": "application/json" };

function json(body: unknown, extra: Partial<RawRequest> = {}): RawRequest {
  return { path: INTERCEPT, headers: JSON_TYPE, body: JSON.stringify(body), ...extra };
}

type Call = { method: string; args: unknown[] } | undefined;

/** What the dispatcher saw of a call, without the signal and the deadline (see deadlineOf). */
function seen(call: Call): unknown {
  if (!call) return undefined;
  const { signal: _signal, timeoutMs: _timeoutMs, ...rest } = (call.args.at(-1) as CallOptions | undefined) ?? {};
  return { method: call.method, args: call.args.slice(0, -1), options: rest };
}

function deadlineOf(call: Call): number | undefined {
  return (call?.args.at(-1) as CallOptions | undefined)?.timeoutMs;
}

/** Sends `request` to both servers; expects identical answers and identical dispatcher calls. */
async function expectSame(request: RawRequest): Promise<ReturnType<typeof describeResponse>> {
  const before = dispatcher.calls.length;
  const viaFast = describeResponse(await rawRequest(fast.url, request));
  const fastCall = dispatcher.calls.length > before ? dispatcher.calls.at(-1) : undefined;
  const middle = dispatcher.calls.length;
  const viaConnect = describeResponse(await rawRequest(reference.url, request));
  const connectCall = dispatcher.calls.length > middle ? dispatcher.calls.at(-1) : undefined;
  expect(viaFast, `request ${JSON.stringify(request).slice(0, 300)}`).toEqual(viaConnect);
  expect(seen(fastCall)).toEqual(seen(connectCall));
  // A deadline is what is left of the caller's timeout when the call starts: never more than
  // it asked for, never negative (how much is left depends on the machine, not on the server).
  const [a, b] = [deadlineOf(fastCall), deadlineOf(connectCall)];
  if (a === undefined || b === undefined) expect(a).toBe(b);
  else {
    // (both servers hand a zero timeout on as 1 ms, already expired by the time it is used)
    const asked = Math.max(1, requestedTimeoutMs(request) ?? Number.POSITIVE_INFINITY);
    for (const left of [a, b]) {
      expect(left).toBeGreaterThanOrEqual(0);
      expect(left).toBeLessThanOrEqual(asked);
    }
  }
  return viaFast;
}

/** The smaller of the request's `connect-timeout-ms` header and its body's timeout, if any. */
function requestedTimeoutMs(request: RawRequest): number | undefined {
  const header = Number(request.headers?.["connect-timeout-ms"]);
  let body: number | undefined;
  try {
    const fields = JSON.parse(String(request.body ?? "")) as { timeoutMs?: unknown; timeout_ms?: unknown };
    const value = fields.timeoutMs ?? fields.timeout_ms;
    body = typeof value === "number" ? value : undefined;
  } catch {
    body = undefined;
  }
  const candidates = [Number.isFinite(header) ? header : undefined, body].filter((v): v is number => v !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

const corpus: [string, RawRequest][] = [
  ["a plain intercept", json({ topic: "t.proceed", payload: { text: "hi" } })],
  [
    "every caller field",
    json({
      topic: "t.proceed",
      payload: { a: 1 },
      requestId: "app-1",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      metadata: { user_id: "u1", ip: "10.0.0.1" },
      timeoutMs: 2500,
    }),
  ],
  ["snake_case names", json({ topic: "t.proceed", request_id: "r-2", timeout_ms: 1000 })],
  [
    "a traceparent header",
    json(
      { topic: "t.proceed" },
      { headers: { ...JSON_TYPE, traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } },
    ),
  ],
  ["a malformed traceparent header", json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, traceparent: "nope" } })],
  ["no payload", json({ topic: "t.proceed" })],
  ["payload null", json({ topic: "t.proceed", payload: null })],
  ["a modify verdict with failures", json({ topic: "t.modify", payload: { text: "hi" } })],
  ["a reject verdict", json({ topic: "t.reject", payload: { text: "buy now" } })],
  ["a fail-closed verdict", json({ topic: "t.closed" })],
  ["a PolyplugError", json({ topic: "t.unavailable" })],
  ["a plain Error", json({ topic: "t.plain" })],
  ["a ConnectError", json({ topic: "t.connect" })],
  ["a NaN in a modified payload", json({ topic: "t.nan" })],
  ["a NaN step duration", json({ topic: "t.nanstep" })],
  ["malformed JSON", { path: INTERCEPT, headers: JSON_TYPE, body: '{"topic": "a", payload: ' }],
  ["an empty body", { path: INTERCEPT, headers: JSON_TYPE, body: "" }],
  ["JSON null", { path: INTERCEPT, headers: JSON_TYPE, body: "null" }],
  ["a JSON array", { path: INTERCEPT, headers: JSON_TYPE, body: "[1,2]" }],
  ["a JSON string", { path: INTERCEPT, headers: JSON_TYPE, body: '"t.proceed"' }],
  ["an unknown field", json({ topic: "t.proceed", colour: "blue" })],
  ["a field twice (both names)", json({ topic: "t.proceed", requestId: "a", request_id: "b" })],
  ["a number topic", json({ topic: 5 })],
  ["an array payload", json({ topic: "t.proceed", payload: [1] })],
  ["a string payload", json({ topic: "t.proceed", payload: "x" })],
  ["a number metadata value", json({ topic: "t.proceed", metadata: { a: 1 } })],
  ["a bad metadata key", json({ topic: "t.proceed", metadata: { "Bad-Key": "v" } })],
  [
    "65 metadata entries",
    json({ topic: "t.proceed", metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) }),
  ],
  ["a string timeout", json({ topic: "t.proceed", timeoutMs: "100" })],
  ["a fractional timeout", json({ topic: "t.proceed", timeoutMs: 1.5 })],
  ["a negative timeout", json({ topic: "t.proceed", timeoutMs: -1 })],
  ["a timeout over uint32", json({ topic: "t.proceed", timeoutMs: 4294967296 })],
  ["a timeout over 5 minutes", json({ topic: "t.proceed", timeoutMs: 300001 })],
  ["no topic", json({ payload: {} })],
  ["an invalid topic", json({ topic: "NOT VALID" })],
  ["a bad request id", json({ topic: "t.proceed", requestId: "has space" })],
  ["a bad traceparent", json({ topic: "t.proceed", traceparent: "00-xyz" })],
  [
    "a __proto__ key",
    { path: INTERCEPT, headers: JSON_TYPE, body: '{"topic":"t.proceed","payload":{"__proto__":{"x":1},"y":2}}' },
  ],
  [
    "a __proto__ metadata key",
    { path: INTERCEPT, headers: JSON_TYPE, body: '{"topic":"t.proceed","metadata":{"__proto__":"x"}}' },
  ],
  [
    "an infinite number",
    { path: INTERCEPT, headers: JSON_TYPE, body: '{"topic":"t.proceed","payload":{"big":1e400}}' },
  ],
  [
    "40 levels of nesting",
    {
      path: INTERCEPT,
      headers: JSON_TYPE,
      body: `{"topic":"t.proceed","payload":{"a":${"[".repeat(40)}1${"]".repeat(40)}}}`,
    },
  ],
  [
    "150 levels of nesting",
    {
      path: INTERCEPT,
      headers: JSON_TYPE,
      body: `{"topic":"t.proceed","payload":{"a":${"[".repeat(150)}1${"]".repeat(150)}}}`,
    },
  ],
  ["unicode", json({ topic: "t.modify", payload: { text: "héllo 👋 \u0000 \u2028 日本", ключ: ["\ud83d\ude00"] } })],
  [
    "lone surrogates",
    { path: INTERCEPT, headers: JSON_TYPE, body: '{"topic":"t.proceed","payload":{"s":"\\ud800 \\udfff"}}' },
  ],
  [
    "a byte order mark",
    {
      path: INTERCEPT,
      headers: JSON_TYPE,
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"topic":"t.proceed"}')]),
    },
  ],
  [
    "invalid UTF-8",
    {
      path: INTERCEPT,
      headers: JSON_TYPE,
      body: Buffer.concat([
        Buffer.from('{"topic":"t.proceed","payload":{"s":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}}'),
      ]),
    },
  ],
  [
    "nested payloads",
    json({ topic: "t.modify", payload: { a: { b: { c: [{ d: [true, false, null, -0, 1e-7, PAST_2_53] }] } } } }),
  ],
  ["charset=utf-8", json({ topic: "t.proceed" }, { headers: { "content-type": "application/json; charset=utf-8" } })],
  [
    "upper-case content type",
    json({ topic: "t.proceed" }, { headers: { "content-type": "APPLICATION/JSON;charset=UTF8" } }),
  ],
  ["a binary content type", json({ topic: "t.proceed" }, { headers: { "content-type": "application/proto" } })],
  ["text/plain", json({ topic: "t.proceed" }, { headers: { "content-type": "text/plain" } })],
  ["no content type", json({ topic: "t.proceed" }, { headers: {} })],
  ["a query string", json({ topic: "t.proceed" }, { path: `${INTERCEPT}?x=1` })],
  ["GET", { path: INTERCEPT, method: "GET", headers: JSON_TYPE }],
  [
    "content-encoding identity",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "content-encoding": "identity" } }),
  ],
  [
    "a gzip body",
    {
      path: INTERCEPT,
      headers: { ...JSON_TYPE, "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ topic: "t.proceed" })),
    },
  ],
  [
    "an unknown content-encoding",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "content-encoding": "zstd" } }),
  ],
  [
    "gzip accepted, small answer",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "accept-encoding": "gzip" } }),
  ],
  [
    "gzip accepted, big answer",
    json({ topic: "t.big" }, { headers: { ...JSON_TYPE, "accept-encoding": "gzip, deflate" } }),
  ],
  [
    "br accepted, big answer",
    json({ topic: "t.big" }, { headers: { ...JSON_TYPE, "accept-encoding": "deflate, br" } }),
  ],
  [
    "identity accepted, big answer",
    json({ topic: "t.big" }, { headers: { ...JSON_TYPE, "accept-encoding": "identity" } }),
  ],
  [
    "gzip accepted, big error",
    json({ topic: "x".repeat(2000) }, { headers: { ...JSON_TYPE, "accept-encoding": "gzip" } }),
  ],
  ["a connect timeout", json({ topic: "t.wait" }, { headers: { ...JSON_TYPE, "connect-timeout-ms": "150" } })],
  ["a connect timeout of 0", json({ topic: "t.wait" }, { headers: { ...JSON_TYPE, "connect-timeout-ms": "0" } })],
  [
    "a connect timeout shorter than timeoutMs",
    json({ topic: "t.proceed", timeoutMs: 9000 }, { headers: { ...JSON_TYPE, "connect-timeout-ms": "3000" } }),
  ],
  [
    "a malformed connect timeout",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "connect-timeout-ms": "soon" } }),
  ],
  [
    "a protocol version header",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "connect-protocol-version": "1" } }),
  ],
  [
    "a wrong protocol version header",
    json({ topic: "t.proceed" }, { headers: { ...JSON_TYPE, "connect-protocol-version": "7" } }),
  ],
  ["a chunked body", json({ topic: "t.proceed", payload: { s: "y".repeat(40_000) } }, { chunked: true })],
  ["a chunked body over the limit", json({ topic: "t.proceed", payload: { s: "y".repeat(LIMIT) } }, { chunked: true })],
  ["a declared body over the limit", json({ topic: "t.proceed", payload: { s: "y".repeat(LIMIT) } })],
  ["a body at the payload limit of the request", json({ topic: "t.proceed", payload: { s: "z".repeat(LIMIT - 100) } })],
  [
    "Notify",
    {
      path: NOTIFY,
      headers: JSON_TYPE,
      body: JSON.stringify({ topic: "t.proceed", payload: { a: 1 }, requestId: "n-1", metadata: { k: "v" } }),
    },
  ],
  [
    "Notify with a timeout field (not one of its fields)",
    { path: NOTIFY, headers: JSON_TYPE, body: JSON.stringify({ topic: "t.proceed", timeoutMs: 5 }) },
  ],
  ["Notify with a bad topic", { path: NOTIFY, headers: JSON_TYPE, body: JSON.stringify({ topic: "" }) }],
  ["Notify, malformed", { path: NOTIFY, headers: JSON_TYPE, body: "{" }],
  [
    "ExecuteCommand (not fast)",
    { path: "/polyplug.v1.Gateway/ExecuteCommand", headers: JSON_TYPE, body: JSON.stringify({ line: "/x" }) },
  ],
];

describe("the JSON fast path answers exactly as connect-node", () => {
  for (const [name, request] of corpus) {
    it(`HTTP/1.1: ${name}`, async () => {
      await expectSame(request);
    });
  }
  for (const [name, request] of corpus.filter(([name]) => !name.includes("chunked") && !name.startsWith("GET"))) {
    it(`HTTP/2: ${name}`, async () => {
      await expectSame({ ...request, http2: true });
    });
  }

  it("answers DEADLINE_EXCEEDED when connect-timeout-ms passes (not the CANCELLED the chain sees)", async () => {
    const answer = await expectSame(
      json({ topic: "t.wait" }, { headers: { ...JSON_TYPE, "connect-timeout-ms": "100" } }),
    );
    expect(answer.status).toBe(504);
    expect(answer.headers).toContainEqual(["polyplug-error-code", "deadline_exceeded"]);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "deadline_exceeded" });
  });

  it("answers the plain case as documented (a sanity check of the comparison)", async () => {
    const answer = await expectSame(json({ topic: "t.reject", payload: { n: 1 }, requestId: "r-9" }));
    expect(answer.status).toBe(200);
    expect(answer.headers).toContainEqual(["content-type", "application/json"]);
    expect(answer.headers).toContainEqual(["polyplug-request-id", "r-9"]);
    expect(JSON.parse(answer.body)).toMatchObject({
      allowed: false,
      modified: false,
      rejection: { pluginId: "spam", failure: false },
      requestId: "r-9",
    });
  });
});

describe("generated requests", () => {
  const topic = fc.oneof(
    fc.constantFrom("t.proceed", "t.modify", "t.reject", "t.closed", "t.unavailable", "t.nan", "a.b"),
    fc.string({ maxLength: 12 }),
  );
  const field = {
    topic,
    payload: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.dictionary(
          fc.string({ unit: "binary", maxLength: 8 }),
          fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }),
          { maxKeys: 6 },
        ),
      },
      fc.jsonValue({ maxDepth: 2 }),
    ),
    requestId: fc.oneof(fc.constantFrom("", "req-1", "a:b.c_d-e"), fc.string({ maxLength: 10 })),
    traceparent: fc.constantFrom("", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "zz"),
    metadata: fc.oneof(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/), fc.string({ unit: "binary", maxLength: 10 }), {
        maxKeys: 4,
      }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    timeoutMs: fc.oneof(fc.integer({ min: 0, max: 400_000 }), fc.constantFrom(-1, 1.5, "250", null, 2 ** 32)),
    extra: fc.jsonValue({ maxDepth: 1 }),
  };
  const request = fc.record(field, { requiredKeys: ["topic"] });

  it("get the same answers from both paths", async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (body, notify) => {
        await expectSame({ path: notify ? NOTIFY : INTERCEPT, headers: JSON_TYPE, body: JSON.stringify(body) });
      }),
      { numRuns: 150 },
    );
  });

  it("get the same answers for arbitrary text bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.json({ maxDepth: 3 })),
        async (text) => {
          await expectSame({ path: INTERCEPT, headers: JSON_TYPE, body: text });
        },
      ),
      { numRuns: 100 },
    );
  });
});
