import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallOptions } from "../../src/dispatch/dispatcher.js";
import { ErrorCode, PolyplugError } from "../../src/errors.js";
import { ChainStepOutcome, Gateway } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import { createRpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { FakeDispatcher } from "./fake-dispatcher.js";

let dispatcher: FakeDispatcher;
let server: PublicServer;

beforeAll(async () => {
  dispatcher = new FakeDispatcher();
  server = await startPublicServer({ port: 0, dispatcher });
});
afterAll(() => server.close());
beforeEach(() => {
  dispatcher.calls.length = 0;
});

function postJson(method: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/polyplug.v1.Gateway/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** connect-node's gRPC transport always speaks HTTP/2; cleartext (h2c) for an http:// URL. */
function grpcClient() {
  return createClient(Gateway, createGrpcTransport({ baseUrl: server.url }));
}

function lastOptions(): CallOptions {
  return dispatcher.calls.at(-1)?.args.at(-1) as CallOptions;
}

describe("Gateway API over HTTP/1.1 JSON (curl-style)", () => {
  it("runs Intercept and returns the verdict with the request id", async () => {
    dispatcher.onIntercept = async (_topic, payload, options) => ({
      requestId: options?.requestId ?? "gen",
      allowed: false,
      payload: { ...payload, seen: true },
      modified: true,
      rejection: { pluginId: "spam-filter", reason: "looks like spam", code: "spam", failure: false },
      steps: [
        { pluginId: "upper", outcome: "modify", durationMs: 1.5 },
        { pluginId: "spam-filter", outcome: "reject", durationMs: 2 },
      ],
    });
    const response = await postJson("Intercept", {
      topic: "message.will_be_posted",
      payload: { text: "hi" },
      requestId: "app-1",
      metadata: { user_id: "u1" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("polyplug-request-id")).toBe("app-1");
    expect(await response.json()).toEqual({
      allowed: false,
      payload: { text: "hi", seen: true },
      modified: true,
      rejection: { pluginId: "spam-filter", reason: "looks like spam", code: "spam", failure: false },
      steps: [
        {
          pluginId: "upper",
          outcome: "CHAIN_STEP_OUTCOME_MODIFY",
          durationMs: 1.5,
          failMode: "FAIL_MODE_UNSPECIFIED",
          failModeSource: "",
        },
        {
          pluginId: "spam-filter",
          outcome: "CHAIN_STEP_OUTCOME_REJECT",
          durationMs: 2,
          failMode: "FAIL_MODE_UNSPECIFIED",
          failModeSource: "",
        },
      ],
      requestId: "app-1",
    });
    expect(dispatcher.calls[0]?.args.slice(0, 2)).toEqual(["message.will_be_posted", { text: "hi" }]);
    expect(lastOptions()).toMatchObject({ requestId: "app-1", metadata: { user_id: "u1" } });
  });

  it("accepts snake_case field names and passes timeout and traceparent header", async () => {
    dispatcher.onIntercept = async (_t, payload) => ({
      requestId: "r",
      allowed: true,
      payload,
      modified: false,
      steps: [],
    });
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const response = await fetch(`${server.url}/polyplug.v1.Gateway/Intercept`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent },
      body: JSON.stringify({ topic: "a.b", timeout_ms: 1234 }),
    });
    expect(response.status).toBe(200);
    // What is left of the 1234 ms when the dispatcher is called (reading the body takes a moment).
    expect(lastOptions()).toMatchObject({
      timeoutMs: expect.toSatisfy((ms: number) => ms > 1000 && ms <= 1234),
      traceparent,
    });
    expect(dispatcher.calls[0]?.args[1]).toEqual({});
  });

  it("answers Notify with the receipt and does not tie plugin calls to the HTTP call", async () => {
    dispatcher.onNotify = (_topic, _payload, options) => ({
      requestId: options?.requestId ?? "gen-9",
      queuedFor: ["a", "b"],
      droppedFor: ["c"],
    });
    const response = await postJson("Notify", { topic: "message.has_been_posted", payload: { id: 1 } });
    expect(await response.json()).toEqual({ requestId: "gen-9", queuedFor: ["a", "b"], droppedFor: ["c"] });
    dispatcher.onNotify = () => ({ requestId: "gen-10", queuedFor: [], droppedFor: [] });
    // Every field is present in JSON answers, empty lists included.
    expect(await (await postJson("Notify", { topic: "t" })).json()).toEqual({
      requestId: "gen-10",
      queuedFor: [],
      droppedFor: [],
    });
    expect(lastOptions().signal).toBeUndefined();
  });

  it("parses command lines for ExecuteCommand", async () => {
    dispatcher.onCommand = async (command, args, raw) => ({
      requestId: "r",
      pluginId: "members",
      text: `${command}:${args.join("|")}`,
      data: { raw },
    });
    const response = await postJson("ExecuteCommand", { line: '/members town-square "two words"' });
    expect(await response.json()).toEqual({
      pluginId: "members",
      text: "members:town-square|two words",
      data: { raw: '/members town-square "two words"' },
      requestId: "r",
    });
    await postJson("ExecuteCommand", { command: "remind", args: ["me", "in 5m"] });
    expect(dispatcher.calls.at(-1)?.args.slice(0, 3)).toEqual(["remind", ["me", "in 5m"], '/remind me "in 5m"']);
  });

  it.each([
    ["bad topic", "Intercept", { topic: "Not A Topic" }, "topic"],
    ["oversized timeout", "Intercept", { topic: "a", timeoutMs: 300_001 }, "timeout_ms"],
    ["bad traceparent", "Notify", { topic: "a", traceparent: "nope" }, "traceparent"],
    ["bad metadata key", "Notify", { topic: "a", metadata: { "User-Id": "x" } }, "metadata.User-Id"],
    ["bad request id", "Notify", { topic: "a", requestId: "has space" }, "request_id"],
    ["line and command", "ExecuteCommand", { line: "/a", command: "a" }, "line"],
    ["neither line nor command", "ExecuteCommand", {}, "line"],
    ["unterminated quote", "ExecuteCommand", { line: '/a "b' }, "line"],
    ["bad command name", "ExecuteCommand", { command: "/Slash" }, "command"],
  ])("rejects %s with invalid_argument naming the field", async (_name, method, body, field) => {
    const response = await postJson(method, body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message.startsWith(`${field}:`)).toBe(true);
    expect(dispatcher.calls).toHaveLength(0);
  });

  it("rejects malformed JSON with invalid_argument", async () => {
    const response = await postJson("Intercept", '{"topic": "a", payload: ');
    expect(response.status).toBe(400);
    const error = (await response.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(/JSON/);
  });

  it("rejects a body over 16 MiB with 413 resource_exhausted before reading it", async () => {
    const big = JSON.stringify({ topic: "a", payload: { blob: "x".repeat(16 * 1024 * 1024) } });
    const response = await postJson("Intercept", big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("maps dispatcher errors to Connect codes and names the gateway code", async () => {
    dispatcher.onCommand = async () => {
      throw new PolyplugError(ErrorCode.NotFound, "no plugin serves /nope");
    };
    const response = await postJson("ExecuteCommand", { line: "/nope" });
    expect(response.status).toBe(404);
    expect(response.headers.get("polyplug-error-code")).toBe("not_found");
    expect(await response.json()).toMatchObject({ code: "not_found", message: "no plugin serves /nope" });
  });

  it("answers 404 for unknown paths", async () => {
    const response = await fetch(`${server.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
  });
});

describe("Gateway API over gRPC (h2c) on the same port", () => {
  it("serves all three RPCs", async () => {
    dispatcher.onIntercept = async (_t, payload) => ({
      requestId: "g-1",
      allowed: true,
      payload: { ...payload, n: 2 },
      modified: true,
      steps: [
        {
          pluginId: "p",
          outcome: "failed-open",
          durationMs: 5000,
          error: { code: "deadline_exceeded", message: "too slow" },
        },
      ],
    });
    const client = grpcClient();
    const verdict = await client.intercept({ topic: "message.will_be_posted", payload: { n: 1 } });
    expect(verdict.allowed).toBe(true);
    expect(verdict.payload).toEqual({ n: 2 });
    expect(verdict.steps[0]?.outcome).toBe(ChainStepOutcome.FAILED_OPEN);
    expect(verdict.steps[0]?.error?.code).toBe(4); // ERROR_CODE_DEADLINE_EXCEEDED
    expect(verdict.steps[0]?.error?.details).toEqual({ gateway_code: "deadline_exceeded", plugin_id: "p" });
    dispatcher.onNotify = () => ({ requestId: "n-1", queuedFor: ["x"], droppedFor: [] });
    expect((await client.notify({ topic: "t" })).queuedFor).toEqual(["x"]);
    dispatcher.onCommand = async () => ({ requestId: "c-1", pluginId: "cmd", text: "done", data: { ok: true } });
    const result = await client.executeCommand({ command: "go", args: [] });
    expect(result).toMatchObject({ pluginId: "cmd", text: "done", data: { ok: true }, requestId: "c-1" });
  });

  it("interoperates with grpc-js, a separate gRPC implementation", async () => {
    dispatcher.onNotify = () => ({ requestId: "grpc-js", queuedFor: ["a"], droppedFor: [] });
    const channel = new grpc.Client(server.url.replace("http://", ""), grpc.credentials.createInsecure());
    try {
      const client = createRpcClient(Gateway, channel);
      expect(await client.notify({ topic: "t" })).toMatchObject({ requestId: "grpc-js", queuedFor: ["a"] });
      const error = await client.intercept({ topic: "BAD" }).catch((reason: unknown) => reason);
      expect((error as PolyplugError).details).toMatchObject({ grpcStatus: "INVALID_ARGUMENT" });
    } finally {
      channel.close();
    }
  });

  it("passes the gRPC deadline to the dispatcher as the shorter timeout", async () => {
    await grpcClient().intercept({ topic: "a", timeoutMs: 60_000 }, { timeoutMs: 2_000 });
    expect(lastOptions().timeoutMs).toBeLessThanOrEqual(2_000);
    expect(lastOptions().timeoutMs).toBeGreaterThan(1_000);
  });

  it.each([
    [ErrorCode.NotFound, Code.NotFound],
    [ErrorCode.ResourceExhausted, Code.ResourceExhausted],
    [ErrorCode.FailedPrecondition, Code.FailedPrecondition],
    [ErrorCode.Conflict, Code.FailedPrecondition],
    [ErrorCode.InvalidArgument, Code.InvalidArgument],
    [ErrorCode.PluginFailed, Code.Unknown],
    [ErrorCode.PluginExited, Code.Unavailable],
    [ErrorCode.DeadlineExceeded, Code.DeadlineExceeded],
    [ErrorCode.Internal, Code.Internal],
  ])("maps %s to gRPC %s", async (gatewayCode, code) => {
    dispatcher.onCommand = async () => {
      throw new PolyplugError(gatewayCode, `failed with ${gatewayCode}`);
    };
    const error = await grpcClient()
      .executeCommand({ command: "x" })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    expect((error as ConnectError).rawMessage).toBe(`failed with ${gatewayCode}`);
    expect((error as ConnectError).metadata.get("polyplug-error-code")).toBe(gatewayCode);
  });

  it("reports an oversized message as RESOURCE_EXHAUSTED", async () => {
    const small = await startPublicServer({ port: 0, dispatcher, maxBodyBytes: 1024 });
    try {
      const client = createClient(Gateway, createGrpcTransport({ baseUrl: small.url }));
      const error = await client
        .intercept({ topic: "a", payload: { blob: "x".repeat(4096) } })
        .catch((reason: unknown) => reason);
      expect((error as ConnectError).code).toBe(Code.ResourceExhausted);
    } finally {
      await small.close();
    }
  });

  it("also serves the Connect protocol over HTTP/2 and HTTP/1.1", async () => {
    dispatcher.onNotify = () => ({ requestId: "n", queuedFor: [], droppedFor: ["slow"] });
    for (const httpVersion of ["1.1", "2"] as const) {
      const client = createClient(Gateway, createConnectTransport({ baseUrl: server.url, httpVersion }));
      expect((await client.notify({ topic: "t" })).droppedFor).toEqual(["slow"]);
    }
  });
});
