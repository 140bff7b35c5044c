// The JSON fast path against connect-node on a real gateway with real plugin processes
// (examples-go/bin/scripted): the gateway's own port (fast path) and a second public
// server on the same dispatcher without it must answer alike, timings and generated
// request ids aside.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { dataDir, scriptedPluginsDir } from "../runtime/scripted-plugins.js";
import { rawRequest, type RawRequest, type RawResponse } from "./raw-http.js";

let gateway: Gateway;
let reference: PublicServer;
beforeAll(async () => {
  gateway = await createGateway({
    pluginsDirs: [
      scriptedPluginsDir([
        { id: "p.a", priority: 1 },
        { id: "p.b", priority: 2 },
        { id: "p.c", priority: 3, onFailure: "closed", interceptTimeoutMs: 2000 },
      ]),
    ],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    // The deadline cases make p.a miss deadlines on purpose; it must stay in the chain.
    policy: { unhealthyAfter: 1000 },
  });
  reference = await startPublicServer({ port: 0, dispatcher: gateway.dispatcher, fastPath: false });
}, 30_000);
afterAll(async () => {
  await reference?.close();
  await gateway?.stop();
});

/** Status, headers and body with the parts that differ between two runs of one chain blanked out. */
function normalised(response: RawResponse): unknown {
  const text = response.body.toString("utf8");
  let body: unknown = text;
  try {
    body = JSON.parse(text, (key, value: unknown) => (key === "durationMs" ? 0 : value));
  } catch {
    // not JSON: compared as text
  }
  const generated = (body as { requestId?: string } | undefined)?.requestId;
  const headers = response.headers
    .filter(([name]) => name !== "content-length")
    .map(([name, value]): [string, string] => [
      name,
      name === "polyplug-request-id" && value === generated ? "<generated>" : value,
    ]);
  if (typeof body === "object" && body !== null && "requestId" in body && !text.includes('"requestId":"app-'))
    (body as { requestId: string }).requestId = "<generated>";
  return { status: response.status, headers, body, error: response.error };
}

async function expectSame(request: RawRequest): Promise<unknown> {
  const viaFast = normalised(await rawRequest(gateway.url, request));
  const viaConnect = normalised(await rawRequest(reference.url, request));
  expect(viaFast).toEqual(viaConnect);
  return viaFast;
}

function intercept(body: unknown, headers: Record<string, string> = {}, http2 = false): RawRequest {
  return {
    path: "/polyplug.v1.Gateway/Intercept",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    http2,
  };
}

const cases: [string, RawRequest][] = [
  ["a chain that proceeds", intercept({ topic: "test.fast", payload: { text: "hi" } })],
  [
    "a chain with the caller's request id and metadata",
    intercept({ topic: "test.fast", payload: { text: "hi" }, requestId: "app-1", metadata: { user_id: "u1" } }),
  ],
  [
    "two modifications",
    intercept({ topic: "test.fast", payload: { text: "hi", script: { "p.a": "modify", "p.b": "modify" } } }),
  ],
  ["a rejection", intercept({ topic: "test.fast", payload: { script: { "p.b": "reject:not today" } } })],
  ["a fail-open failure", intercept({ topic: "test.fast", payload: { script: { "p.a": "fail" } } })],
  ["a fail-closed failure", intercept({ topic: "test.fast", payload: { script: { "p.c": "fail" } } })],
  ["a topic nobody intercepts", intercept({ topic: "other.topic", payload: { n: [1, 2, { x: null }] } })],
  ["an invalid topic", intercept({ topic: "NOT VALID" })],
  [
    "unicode through the plugins",
    intercept({ topic: "test.fast", payload: { text: "héllo 👋 日本", script: { "p.b": "modify" } } }),
  ],
  [
    "Notify",
    {
      path: "/polyplug.v1.Gateway/Notify",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "test.fast", payload: { a: 1 }, requestId: "app-2" }),
    },
  ],
];

describe("fast path answers on a real gateway", () => {
  it("answers a modifying chain with the plugins' payload", async () => {
    const answer = (await expectSame(
      intercept({
        topic: "test.fast",
        payload: { text: "hi", script: { "p.a": "modify", "p.c": "modify" } },
        requestId: "app-3",
      }),
    )) as {
      status: number;
      body: Record<string, unknown>;
    };
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      allowed: true,
      modified: true,
      payload: { text: "hi", trail: ["p.a", "p.c"] },
      requestId: "app-3",
    });
    expect(answer.body.steps).toEqual([
      {
        pluginId: "p.a",
        outcome: "CHAIN_STEP_OUTCOME_MODIFY",
        durationMs: 0,
        failMode: "FAIL_MODE_OPEN",
        failModeSource: "manifest",
      },
      {
        pluginId: "p.b",
        outcome: "CHAIN_STEP_OUTCOME_PROCEED",
        durationMs: 0,
        failMode: "FAIL_MODE_OPEN",
        failModeSource: "manifest",
      },
      {
        pluginId: "p.c",
        outcome: "CHAIN_STEP_OUTCOME_MODIFY",
        durationMs: 0,
        failMode: "FAIL_MODE_CLOSED",
        failModeSource: "manifest",
      },
    ]);
  });
});

// Which side notices a deadline first (the gateway's timer or the plugin's reset) is a race,
// so these are compared by outcome, not byte for byte.
const deadlines: [string, RawRequest, unknown][] = [
  [
    "timeoutMs shorter than a plugin",
    intercept({ topic: "test.fast", payload: { script: { "p.a": "stall:1000" } }, timeoutMs: 100 }),
    {
      status: 200,
      type: "application/json",
      code: undefined,
      first: ["CHAIN_STEP_OUTCOME_FAILED_OPEN", "ERROR_CODE_DEADLINE_EXCEEDED"],
    },
  ],
  [
    "a connect timeout shorter than a plugin",
    intercept({ topic: "test.fast", payload: { script: { "p.a": "stall:1000" } } }, { "connect-timeout-ms": "100" }),
    { status: 504, type: "application/json", code: "deadline_exceeded", first: undefined },
  ],
];

/** Status, content type, and the code of the failure or of the first step. */
function outcome(response: RawResponse): unknown {
  const body = JSON.parse(response.body.toString("utf8")) as {
    code?: string;
    steps?: { outcome: string; error?: { code: string } }[];
  };
  const first = body.steps?.[0];
  return {
    status: response.status,
    type: response.headers.find(([name]) => name === "content-type")?.[1],
    code: body.code,
    first: first && [first.outcome, first.error?.code],
  };
}

describe("fast path vs connect-node on a real gateway", () => {
  for (const [name, request] of cases) {
    it(`HTTP/1.1: ${name}`, async () => {
      await expectSame(request);
    });
    it(`HTTP/2: ${name}`, async () => {
      await expectSame({ ...request, http2: true });
    });
  }

  for (const [name, request, expected] of deadlines) {
    for (const http2 of [false, true]) {
      it(`${http2 ? "HTTP/2" : "HTTP/1.1"}: ${name}`, async () => {
        expect(outcome(await rawRequest(gateway.url, { ...request, http2 }))).toEqual(expected);
        expect(outcome(await rawRequest(reference.url, { ...request, http2 }))).toEqual(expected);
      });
    }
  }
});
