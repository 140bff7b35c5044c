import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail, show } from "../../check-outcome.js";
import { CONFORMANCE_PLUGIN_ID } from "../../contract-session.js";
import { sleep } from "../raw-connection.js";
import { partialMatch } from "./contract-assertions.js";

/** Expands `{{repeat:C:N}}` strings (C repeated N times) so cases can name huge keys and values as data. */
export function expandTemplates(value: JsonValue): JsonValue {
  if (typeof value === "string") {
    const m = /^\{\{repeat:(.):(\d+)\}\}$/u.exec(value);
    return m ? (m[1] as string).repeat(Number(m[2])) : value;
  }
  if (Array.isArray(value)) return value.map(expandTemplates);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandTemplates(v)]));
  return value;
}

interface Step {
  readonly wait_ms?: number;
  readonly calls: JsonValue[];
}

/**
 * Runs conformance.api scripts (params.steps: [{wait_ms?, calls}]) and compares every
 * result with expect.steps (partial match per result). Optional params.seed ({key: value})
 * and params.seed_keys ({prefix, count}) fill KV first; expect.kv, expect.logs,
 * expect.events check the gateway side afterwards.
 */
export const apiScript: CheckFunction = async (ctx) => {
  const session = await ctx.session({ configuration: (ctx.spec.params.configuration ?? {}) as JsonObject });
  const params = ctx.spec.params;
  for (const [key, value] of Object.entries((params.seed ?? {}) as Record<string, string>)) {
    await session.backend.kvSet(CONFORMANCE_PLUGIN_ID, key, Buffer.from(value, "utf8"), { kind: "none" }, 0);
  }
  const seedKeys = params.seed_keys as { prefix: string; count: number } | undefined;
  for (let i = 0; seedKeys && i < seedKeys.count; i++) {
    await session.backend.kvSet(
      CONFORMANCE_PLUGIN_ID,
      `${seedKeys.prefix}${String(i).padStart(4, "0")}`,
      Buffer.from("v"),
      { kind: "none" },
      0,
    );
  }
  const steps = (params.steps ?? []) as Step[];
  const expected = (ctx.spec.expect.steps ?? []) as JsonValue[][];
  const requestIds: string[] = [];
  for (const [index, step] of steps.entries()) {
    if (step.wait_ms) await sleep(step.wait_ms);
    const context = session.hookContext();
    requestIds.push(context.requestId);
    ctx.trace(`step ${index + 1}: conformance.api →`, step.calls);
    const response = await session.rpc.intercept(
      { context, topic: "conformance.api", payload: { calls: step.calls.map(expandTemplates) } },
      { deadline: 15_000 },
    );
    ctx.trace(`step ${index + 1}: conformance.api ←`, response.outcome.value ?? response.error);
    assert(
      !response.error && response.outcome.case === "modify",
      `conformance.api must answer modify {results}, got ${show(response.error ?? response.outcome)}`,
    );
    const results = (response.outcome.value.payload?.results ?? []) as JsonValue[];
    const want = expected[index] ?? [];
    assertEqual(results.length, want.length, `number of results in step ${index + 1}`);
    want.forEach((w, i) => {
      assert(
        partialMatch(results[i], w),
        `step ${index + 1}, call ${i + 1} ${show(step.calls[i])}: expected ${show(w)}, got ${show(results[i])}`,
      );
    });
  }
  for (const [key, value] of Object.entries((ctx.spec.expect.kv ?? {}) as Record<string, string | null>)) {
    const got = await session.backend.kvGet(CONFORMANCE_PLUGIN_ID, key);
    assertEqual(got.found ? Buffer.from(got.value).toString("utf8") : null, value, `stored KV value of ${key}`);
  }
  for (const log of (ctx.spec.expect.logs ?? []) as JsonObject[]) {
    const match = session.logs.find((l) => partialMatch({ level: l.level, message: l.message, fields: l.fields }, log));
    assert(match, `no GatewayAPI.Log record like ${show(log)}; got ${show(session.logs)}`);
    assert(
      requestIds.includes(match.requestId),
      `the log record carries request_id ${show(match.requestId)}, not the hook's request id (${requestIds.join(", ")})`,
    );
  }
  for (const event of (ctx.spec.expect.events ?? []) as JsonObject[]) {
    assert(
      session.events.some((e) => partialMatch(e, event)),
      `no PublishEvent like ${show(event)}; got ${show(session.events)}`,
    );
  }
  if (ctx.spec.expect.config_pushed) {
    assert(session.configPushes.length > 0, "SaveConfig did not lead to ConfigurationChanged (suite error)");
    await Promise.all(session.configPushes);
    const seen = await session.intercept("conformance.config", {});
    assert(
      seen.outcome.case === "modify" &&
        partialMatch(seen.outcome.value.payload, {
          configuration: ctx.spec.expect.config_pushed,
          origin_plugin_id: CONFORMANCE_PLUGIN_ID,
        }),
      `after SaveConfig the plugin reports ${show(seen.outcome.value)}`,
    );
  }
};

/** `params.racers` concurrent if_absent writes of one key: exactly one applies, and it is what is stored. */
export const casRace: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const racers = Number(ctx.spec.params.racers ?? 16);
  const key = String(ctx.spec.params.key ?? "race");
  const responses = await Promise.all(
    Array.from({ length: racers }, (_v, i) =>
      session.rpc.intercept(
        {
          context: session.hookContext(),
          topic: "conformance.api",
          payload: { calls: [{ op: "kv_set", key, value: `racer-${i}`, if_absent: true }] },
        },
        { deadline: 15_000 },
      ),
    ),
  );
  const applied = responses
    .map((r, i) => ({
      i,
      result:
        (r.outcome.case === "modify"
          ? (r.outcome.value.payload?.results as JsonObject[] | undefined)?.[0]
          : undefined) ?? {},
    }))
    .filter(({ result }) => result.applied === true);
  ctx.trace("winners", applied);
  assertEqual(applied.length, 1, `number of applied if_absent writes among ${racers} racers`);
  const stored = await session.backend.kvGet(CONFORMANCE_PLUGIN_ID, key);
  assertEqual(Buffer.from(stored.value).toString("utf8"), `racer-${applied[0]?.i}`, "stored value (the winner's)");
  const losers = responses.filter(
    (r) =>
      r.outcome.case === "modify" &&
      (r.outcome.value.payload?.results as JsonObject[] | undefined)?.[0]?.applied === false,
  );
  assertEqual(losers.length, racers - 1, "losers reporting applied=false");
};

/**
 * After every GatewayAPI connection is closed (listener kept), GatewayAPI calls work again:
 * the plugin kept the ConnInfo and redials its address (§5.4). The calls run more than 5 s
 * after the ConnInfo was sent, so an SDK that asks its broker for the ConnInfo again (go-plugin
 * forgets unclaimed ones after 5 s) is caught too. A few attempts, 1 s apart, allow for a
 * client that notices the closed connection only on its next call.
 */
export const gatewayApiRedial: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const call = async (calls: JsonValue[]): Promise<JsonValue[]> => {
    const response = await session.rpc.intercept(
      { context: session.hookContext(), topic: "conformance.api", payload: { calls } },
      { deadline: 15_000 },
    );
    ctx.trace("conformance.api", { calls, answer: response.outcome.value ?? response.error });
    assert(
      !response.error && response.outcome.case === "modify",
      `conformance.api must answer modify {results}, got ${show(response.error ?? response.outcome)}`,
    );
    return (response.outcome.value.payload?.results ?? []) as JsonValue[];
  };
  const [stored] = await call([{ op: "kv_set", key: "redial", value: "kept" }]);
  assert(partialMatch(stored, { ok: true }), `KvSet before the connection was closed failed: ${show(stored)}`);
  session.dropGatewayApiConnections();
  await sleep(Math.max(0, session.connInfoSentAt + Number(ctx.spec.params.after_conninfo_ms ?? 5500) - Date.now()));
  const attempts = Number(ctx.spec.params.attempts ?? 4);
  for (let attempt = 1; ; attempt++) {
    const [result] = await call([{ op: "kv_get", key: "redial" }]);
    if (partialMatch(result, { ok: true })) {
      assert(
        partialMatch(result, { found: true, value: "kept" }),
        `KvGet after redialling answered ${show(result)}, expected the value stored before`,
      );
      return;
    }
    if (attempt >= attempts) {
      fail(
        `after the gateway closed the plugin's GatewayAPI connection (its listener stayed), ${attempts} GatewayAPI calls 1 s apart all failed, the last with ${show(result)}; keep the GatewayAPI's ConnInfo for the life of the process and redial its address when the connection is lost (§5.4) - a gRPC channel on that address does so by itself`,
      );
    }
    await sleep(1000);
  }
};
