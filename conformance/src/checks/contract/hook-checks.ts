import { toBinary, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { ErrorCode as HostErrorCode, PolyplugError } from "polyplug";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, deepEqual, fail, show } from "../../check-outcome.js";
import { CONFORMANCE_PLUGIN_ID } from "../../contract-session.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { sleep } from "../raw-connection.js";
import { errorCodeName, errorCodeNumber, expectIntercept } from "./contract-assertions.js";

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Describe: id, semver version, SDK info, every hook once, the documented topics, commands and routes. */
export const describe: CheckFunction = async (ctx) => {
  const { description: d } = await ctx.session({ activate: false });
  assertEqual(d.pluginId, CONFORMANCE_PLUGIN_ID, "plugin_id");
  assert(SEMVER.test(d.version), `version ${show(d.version)} is not a semantic version`);
  assert(d.sdk?.name, "sdk.name is empty; name the SDK the plugin is built with");
  const hooks = d.implementedHooks.map((h) => Hook[h] ?? String(h));
  assert(!d.implementedHooks.includes(Hook.UNSPECIFIED), "implemented_hooks contains HOOK_UNSPECIFIED");
  assertEqual(
    new Set(hooks).size,
    hooks.length,
    `implemented_hooks has duplicates (${hooks.join(", ")}) - count of distinct hooks`,
  );
  for (const hook of (ctx.spec.expect.hooks as string[]) ?? [])
    assert(hooks.includes(hook), `implemented_hooks lacks ${hook} (got ${hooks.join(", ")})`);
  assertEqual([...d.interceptTopics].sort(), ctx.spec.expect.intercept_topics, "intercept_topics");
  assertEqual([...d.notifyTopics].sort(), ctx.spec.expect.notify_topics, "notify_topics");
  assertEqual(d.commands.map((c) => c.name).sort(), ctx.spec.expect.commands, "command names");
  assertEqual(d.httpRoutes.map((r) => `${r.method} ${r.pathPrefix}`).sort(), ctx.spec.expect.routes, "http routes");
};

/** Activate succeeds and the plugin logs through the GatewayAPI it dialed via the broker. */
export const activate: CheckFunction = async (ctx) => {
  const session = await ctx.session({ configuration: (ctx.spec.params.configuration ?? {}) as JsonObject });
  const expect = ctx.spec.expect;
  if (expect.error_code) {
    assert(session.activation?.error, `Activate succeeded; expected error ${show(expect.error_code)}`);
    assertEqual(errorCodeName(session.activation.error.code), expect.error_code, "Activate error code");
    if (expect.message_contains)
      assert(
        session.activation.error.message.includes(String(expect.message_contains)),
        `Activate error message ${show(session.activation.error.message)} lacks ${show(expect.message_contains)}`,
      );
    return;
  }
  const overTls = session.plugin.mtls
    ? "; with AutoMTLS on, dial the brokered GatewayAPI with TLS too - own certificate as client certificate, PLUGIN_CLIENT_CERT as the only root, server name localhost (§3.2, §5.4)"
    : "";
  assert(!session.activation?.error, `Activate answered an error: ${show(session.activation?.error)}${overTls}`);
  const message = String(expect.log_message);
  assert(
    session.logs.some((l) => l.message === message),
    `no GatewayAPI.Log record ${show(message)} during Activate (the plugin must dial broker id ${session.brokerId}); calls seen: ${show(session.apiCalls.map((c) => c.method))}${overTls}`,
  );
};

/** Deactivate answers without error and the GatewayAPI is still usable while it runs. */
export const deactivate: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const response = await session.rpc.deactivate({ context: session.hookContext() }, { deadline: 10_000 });
  ctx.trace("Deactivate ←", response);
  assert(!response.error, `Deactivate answered an error: ${show(response.error)}`);
  const message = String(ctx.spec.expect.log_message);
  assert(
    session.logs.some((l) => l.message === message),
    `no GatewayAPI.Log record ${show(message)} during Deactivate`,
  );
};

/**
 * ConfigurationChanged: accepted configurations become current; rejected ones answer
 * INVALID_ARGUMENT and, with `expect.keeps_previous`, leave the previous one in force
 * (`params.accepted_first` is accepted before, so "previous" is a changed one).
 */
export const configurationChanged: CheckFunction = async (ctx) => {
  let inForce: JsonObject = { initial: true };
  let origin = "";
  const session = await ctx.session({ configuration: inForce });
  const change = async (configuration: JsonObject, originPluginId: string) => {
    const response = await session.rpc.configurationChanged(
      { context: session.hookContext({ originPluginId }), configuration },
      { deadline: 10_000 },
    );
    ctx.trace("ConfigurationChanged ←", response);
    return response;
  };
  const first = ctx.spec.params.accepted_first as JsonObject | undefined;
  if (first) {
    const accepted = await change(first, "first.changer");
    assert(
      !accepted.error,
      `ConfigurationChanged answered an error for an acceptable configuration ${show(first)}: ${show(accepted.error)}`,
    );
    [inForce, origin] = [first, "first.changer"];
  }
  const configuration = ctx.spec.params.configuration as JsonObject;
  const response = await change(configuration, "someone.else");
  if (ctx.spec.expect.error_code) {
    assert(response.error, "ConfigurationChanged accepted a configuration it must reject");
    assertEqual(errorCodeName(response.error.code), ctx.spec.expect.error_code, "ConfigurationChanged error code");
    if (!ctx.spec.expect.keeps_previous) return;
    const seen = await session.intercept("conformance.config", {});
    const payload = seen.outcome.case === "modify" ? seen.outcome.value.payload : undefined;
    assert(
      !payload || deepEqual(payload.configuration, inForce),
      `after the rejected configuration ${show(configuration)} the plugin reports ${show(payload?.configuration)} as its configuration; a rejected configuration must leave the previous one ${show(inForce)} in force`,
    );
    expectIntercept(seen, { outcome: "modify", payload: { configuration: inForce, origin_plugin_id: origin } });
    return;
  }
  assert(!response.error, `ConfigurationChanged answered an error: ${show(response.error)}`);
  const seen = await session.intercept("conformance.config", {});
  expectIntercept(seen, { outcome: "modify", payload: { configuration, origin_plugin_id: "someone.else" } });
};

/** Generic Intercept case: params.topic/payload, expect per expectIntercept. */
export const intercept: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const response = await session.intercept(
    String(ctx.spec.params.topic),
    (ctx.spec.params.payload ?? {}) as JsonObject,
  );
  expectIntercept(response, ctx.spec.expect);
};

/** A handler that throws answers PLUGIN_FAILED as data and the plugin keeps serving. */
export const handlerThrows: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const response = await session.intercept(
    String(ctx.spec.params.topic),
    (ctx.spec.params.payload ?? {}) as JsonObject,
  );
  expectIntercept(response, ctx.spec.expect);
  assertEqual(await session.plugin.health(3000), "SERVING", "health after the handler threw");
  expectIntercept(await session.intercept("conformance.echo", { after: "throw" }), { outcome: "proceed" });
};

/** The HookContext the gateway sends reaches the handler unchanged. */
export const hookContext: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const sent = session.hookContext({
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    tracestate: "polyplug=conformance",
    originPluginId: "com.example.origin",
    metadata: { user_id: "u-42", accept_language: "fr-CH" },
  });
  const deadline = new Date(Date.now() + 10_000);
  const response = await session.rpc.intercept(
    {
      context: { ...sent, deadline: { seconds: BigInt(Math.floor(deadline.getTime() / 1000)), nanos: 0 } },
      topic: "conformance.context",
      payload: {},
    },
    { deadline },
  );
  ctx.trace("Intercept conformance.context ←", response);
  expectIntercept(response, {
    outcome: "modify",
    payload: {
      request_id: sent.requestId,
      plugin_id: sent.pluginId,
      origin_plugin_id: sent.originPluginId,
      traceparent: sent.traceparent,
      tracestate: sent.tracestate,
      metadata: sent.metadata,
      has_deadline: true,
    },
  });
};

function nested(depth: number): JsonObject {
  let value: JsonObject = { leaf: "🌱 end", n: depth };
  for (let i = depth - 1; i > 0; i--)
    value = i % 2 === 0 ? { level: i, child: value } : { level: i, list: [value, i, null, true] };
  return value;
}

/** A payload nested `params.depth` levels deep round-trips through Modify unchanged. */
export const nestedPayload: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const payload = { root: nested(Number(ctx.spec.params.depth ?? 32)) };
  expectIntercept(await session.intercept("conformance.modify", payload), {
    outcome: "modify",
    payload: { ...payload, modified: true },
  });
};

function payloadOfSize(target: number): JsonObject {
  let n = Math.max(0, target - 16);
  const size = (len: number) => toBinary(StructSchema, fromJson(StructSchema, { data: "x".repeat(len) })).length;
  while (size(n) < target) n++;
  while (size(n) > target) n--;
  return { data: "x".repeat(n) };
}

/**
 * Payload sizes: `params.direction` request (sent to conformance.echo) or response
 * (asked from conformance.grow); `params.bytes` serialized size or a data length;
 * expect outcome / error_code / grpc_status.
 */
export const payloadSize: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const bytes = Number(ctx.spec.params.bytes);
  const expect = ctx.spec.expect;
  try {
    const response =
      ctx.spec.params.direction === "response"
        ? await session.rpc.intercept(
            { context: session.hookContext(), topic: "conformance.grow", payload: { bytes } },
            { deadline: 20_000 },
          )
        : await session.rpc.intercept(
            { context: session.hookContext(), topic: "conformance.echo", payload: payloadOfSize(bytes) },
            { deadline: 20_000 },
          );
    ctx.trace("response", { outcome: response.outcome.case, error: response.error });
    if (expect.grpc_status)
      fail(
        `expected gRPC status ${show(expect.grpc_status)}, the call answered ${response.error ? errorCodeName(response.error.code) : (response.outcome.case ?? "proceed")}`,
      );
    expectIntercept(response, expect);
    if (ctx.spec.params.direction === "response" && response.outcome.case === "modify") {
      assertEqual(
        String(response.outcome.value.payload?.data ?? "").length,
        bytes,
        "length of the data the plugin produced",
      );
    }
  } catch (error) {
    if (!(error instanceof PolyplugError)) throw error;
    ctx.trace("call failed", error.toJSON());
    assert(expect.grpc_status, `the call failed: ${error.message}`);
    assertEqual(error.details.grpcStatus, expect.grpc_status, "gRPC status");
  }
  assertEqual(await session.plugin.health(3000), "SERVING", "health afterwards");
};

/** `params.calls` concurrent conformance.sleep calls of `params.ms` finish within `expect.max_ms` in all. */
export const concurrency: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const count = Number(ctx.spec.params.calls ?? 64);
  const ms = Number(ctx.spec.params.ms ?? 300);
  const started = Date.now();
  const responses = await Promise.all(
    Array.from({ length: count }, (_v, i) =>
      session.rpc.intercept(
        { context: session.hookContext(), topic: "conformance.sleep", payload: { ms, i } },
        { deadline: 20_000 },
      ),
    ),
  );
  const elapsed = Date.now() - started;
  ctx.trace("elapsed", { ms: elapsed, calls: count });
  for (const [i, r] of responses.entries())
    assert(!r.error && r.outcome.case !== "reject", `call ${i} answered ${show(r.error ?? r.outcome)}`);
  assert(
    elapsed <= Number(ctx.spec.expect.max_ms),
    `${count} concurrent calls of ${ms} ms took ${elapsed} ms, more than ${ctx.spec.expect.max_ms} ms: calls are not served concurrently`,
  );
};

/** A call past its deadline fails with DEADLINE_EXCEEDED (or is cancelled) on time; the plugin keeps serving. */
export const deadline: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const deadlineMs = Number(ctx.spec.params.deadline_ms ?? 300);
  const cancelAfter = ctx.spec.params.cancel_after_ms;
  const key = `cancel/${Date.now()}`;
  const controller = new AbortController();
  if (cancelAfter !== undefined) setTimeout(() => controller.abort(), Number(cancelAfter));
  const started = Date.now();
  try {
    const response = await session.rpc.intercept(
      { context: session.hookContext(), topic: "conformance.sleep", payload: { ms: 15_000, key } },
      cancelAfter !== undefined ? { signal: controller.signal, deadline: 20_000 } : { deadline: deadlineMs },
    );
    fail(`the call returned ${show(response)} instead of failing`);
  } catch (error) {
    if (!(error instanceof PolyplugError)) throw error;
    const want = cancelAfter !== undefined ? HostErrorCode.Cancelled : HostErrorCode.DeadlineExceeded;
    assertEqual(error.code, want, "host-side error code");
  }
  const elapsed = Date.now() - started;
  assert(elapsed < Number(cancelAfter ?? deadlineMs) + 2000, `the call took ${elapsed} ms to end`);
  if (ctx.spec.expect.observed) {
    let value: string | undefined;
    for (let i = 0; i < 30 && value === undefined; i++) {
      const got = await session.backend.kvGet(CONFORMANCE_PLUGIN_ID, key);
      if (got.found) value = Buffer.from(got.value).toString("utf8");
      else await sleep(100);
    }
    assertEqual(value, "cancelled", `KV ${key} written by the handler when it saw the cancellation`);
  }
  assertEqual(await session.plugin.health(3000), "SERVING", "health afterwards");
  expectIntercept(await session.intercept("conformance.echo", {}), { outcome: "proceed" });
};

/** Notify reaches the handler (which records it in KV) or answers the requested error as data. */
export const notify: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const topic = String(ctx.spec.params.topic ?? "conformance.note");
  const payload = (ctx.spec.params.payload ?? {}) as JsonObject;
  const response = await session.rpc.notify({ context: session.hookContext(), topic, payload }, { deadline: 10_000 });
  ctx.trace("Notify ←", response);
  if (ctx.spec.expect.error_code) {
    assert(response.error, "Notify answered no error");
    assertEqual(response.error.code, errorCodeNumber(ctx.spec.expect.error_code), "Notify error code");
    return;
  }
  assert(!response.error, `Notify answered an error: ${show(response.error)}`);
  const stored = await session.backend.kvGet(CONFORMANCE_PLUGIN_ID, `notify/${String(payload.id)}`);
  assert(stored.found, `the handler did not record notify/${String(payload.id)} in KV`);
  assertEqual(JSON.parse(Buffer.from(stored.value).toString("utf8")), { topic, payload }, "recorded notification");
};

/** ExecuteCommand: params.command/args/raw; expect text/data or error_code. */
export const command: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const p = ctx.spec.params;
  const response = await session.rpc.executeCommand(
    {
      context: session.hookContext(),
      command: String(p.command),
      args: (p.args ?? []) as string[],
      raw: String(p.raw ?? ""),
    },
    { deadline: 10_000 },
  );
  ctx.trace("ExecuteCommand ←", response);
  if (ctx.spec.expect.error_code) {
    assert(response.error, `the command succeeded: ${show(response)}`);
    assertEqual(errorCodeName(response.error.code), ctx.spec.expect.error_code, "command error code");
    return;
  }
  assert(!response.error, `the command failed: ${show(response.error)}`);
  assertEqual(response.text, ctx.spec.expect.text, "text");
  assertEqual(response.data, ctx.spec.expect.data, "data");
};
