import type { JsonObject } from "@bufbuild/protobuf";
import fc from "fast-check";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { HookCall } from "../dispatch/gateway-dispatcher.js";
import type { Gateway } from "../runtime/gateway.js";
import type { LogRecord } from "../runtime/log-tap.js";
import type { CheckResult } from "./check-report.js";
import { commandArgsArbitrary, payloadArbitrary, routeSuffixArbitrary } from "./generated-inputs.js";

/** What every hook check needs: the gateway running the plugin, and the run's numbers. */
export interface HookCheckContext {
  readonly gateway: Gateway;
  readonly pluginId: string;
  readonly seed: number;
  readonly runs: number;
  /** Records the plugin wrote to stdout since `since` (epoch ms; stdout belongs to the handshake). */
  stdoutNoise(since: number): LogRecord[];
}

/** Contract codes a plugin may answer with on purpose (the input was wrong for it), unlike a crash or INTERNAL. */
const DELIBERATE_CODES = new Set([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "FAILED_PRECONDITION",
  "PERMISSION_DENIED",
  "ALREADY_EXISTS",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "ABORTED",
]);

/** Fails the current input unless the plugin is still active and quiet on stdout. */
function checkStillHealthy(context: HookCheckContext, since: number): void {
  const plugin = context.gateway.plugin(context.pluginId);
  if (plugin.state !== "active") {
    throw new Error(
      `the plugin is ${plugin.state} after this input${plugin.lastError ? `: ${plugin.lastError.message.split("\n")[0]}` : ""}`,
    );
  }
  const noise = context.stdoutNoise(since);
  if (noise.length > 0)
    throw new Error(
      `the plugin wrote to stdout: ${JSON.stringify(noise[0]?.msg ?? "").slice(0, 200)} (log to stderr or through the SDK's logger)`,
    );
}

/**
 * Brings a plugin that an earlier input crashed back (an operator restart, which also clears a
 * crash loop), so each input is judged on its own and shrinking finds the input that matters.
 */
async function ensureActive(context: HookCheckContext, restart: boolean): Promise<void> {
  if (!restart && context.gateway.plugin(context.pluginId).state === "active") return;
  await context.gateway.restart(context.pluginId);
  const plugin = context.gateway.plugin(context.pluginId);
  if (plugin.state !== "active")
    throw new Error(
      `the plugin did not come back after a restart: ${plugin.lastError?.message.split("\n")[0] ?? plugin.state}`,
    );
}

/**
 * Runs `check` on `runs` generated inputs (seeded, shrunk to the smallest failing input on
 * failure) and turns the outcome into a CheckResult naming the input that failed.
 */
async function property<T>(
  name: string,
  context: HookCheckContext,
  seedOffset: number,
  inputs: fc.Arbitrary<T>,
  check: (input: T) => Promise<void>,
): Promise<CheckResult> {
  const started = performance.now();
  const latencies: number[] = [];
  let previousFailed = false;
  const details = await fc.check(
    fc.asyncProperty(inputs, async (input) => {
      // After a failed input the plugin may be dead before the gateway has noticed: start afresh.
      await ensureActive(context, previousFailed);
      previousFailed = true;
      const since = Date.now();
      const callStarted = performance.now();
      await check(input);
      latencies.push(performance.now() - callStarted);
      checkStillHealthy(context, since);
      previousFailed = false;
    }),
    { seed: context.seed + seedOffset, numRuns: context.runs, endOnFailure: false, interruptAfterTimeLimit: 120_000 },
  );
  const durationMs = performance.now() - started;
  if (!details.failed) {
    const sorted = latencies.sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const max = sorted.at(-1) ?? 0;
    return {
      name,
      ok: true,
      detail: `${details.numRuns} generated inputs answered (median ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms)`,
      durationMs,
    };
  }
  const input = details.counterexample?.[0];
  const reason =
    details.errorInstance instanceof Error
      ? details.errorInstance.message
      : String(details.errorInstance ?? "interrupted");
  return { name, ok: false, detail: reason.split("\n")[0] ?? reason, durationMs, failingInput: JSON.stringify(input) };
}

/** Intercept on `topic`: every generated payload gets proceed, modify or reject — never a failure. */
export function checkIntercept(context: HookCheckContext, topic: string, seedOffset: number): Promise<CheckResult> {
  return property(`intercept ${topic}`, context, seedOffset, payloadArbitrary(), async (payload) => {
    const verdict = await context.gateway.dispatcher.intercept(topic, payload);
    const step = verdict.steps.find((s) => s.pluginId === context.pluginId);
    if (!step) throw new Error("the plugin was not called (is it active and subscribed?)");
    if (step.outcome === "failed-open" || step.outcome === "failed-closed")
      throw new Error(`the call failed: ${step.error?.code ?? "error"}: ${step.error?.message ?? ""}`);
  });
}

/** Notify on `topic`: every generated event is handled without an error or a timeout. */
export function checkNotify(context: HookCheckContext, topic: string, seedOffset: number): Promise<CheckResult> {
  return property(`notify ${topic}`, context, seedOffset, payloadArbitrary(), async (payload) => {
    const outcome = new Promise<HookCall>((resolve) => {
      const stop = context.gateway.dispatcher.observe((call) => {
        if (call.pluginId !== context.pluginId || call.hook !== "notify") return;
        stop();
        resolve(call);
      });
    });
    const receipt = context.gateway.dispatcher.notify(topic, payload as JsonObject);
    if (!receipt.queuedFor.includes(context.pluginId))
      throw new Error(
        `the event was not queued for the plugin (dropped for: ${receipt.droppedFor.join(", ") || "none"})`,
      );
    const call = await outcome;
    if (call.outcome === "ok" || (call.error && DELIBERATE_CODES.has(call.error.code))) return;
    throw new Error(
      `Notify ended with ${call.outcome}${call.error ? `: ${call.error.code}: ${call.error.message}` : ""}`,
    );
  });
}

/** A command: generated arguments get an answer or a deliberate error, never a crash or a timeout. */
export function checkCommand(context: HookCheckContext, command: string, seedOffset: number): Promise<CheckResult> {
  return property(`command /${command}`, context, seedOffset, commandArgsArbitrary(), async (args) => {
    try {
      await context.gateway.dispatcher.executeCommand(command, args, `/${[command, ...args].join(" ")}`);
    } catch (error) {
      const failure = PolyplugError.from(error);
      const contractCode = failure.details.contractCode;
      if (
        failure.code === ErrorCode.PluginFailed &&
        typeof contractCode === "string" &&
        DELIBERATE_CODES.has(contractCode)
      )
        return;
      throw new Error(`the command failed: ${failure.code}: ${failure.message}`);
    }
  });
}

/** An HTTP route: generated paths below its prefix get an answer that is not a gateway or server error. */
export function checkHttpRoute(
  context: HookCheckContext,
  method: string,
  prefix: string,
  seedOffset: number,
): Promise<CheckResult> {
  const verb = method === "*" ? "GET" : method;
  const base = `${context.gateway.url}/plugins/${context.pluginId}${prefix.endsWith("/") ? prefix : `${prefix}/`}`;
  return property(`http ${verb} ${prefix}`, context, seedOffset, routeSuffixArbitrary(), async (suffix) => {
    const response = await fetch(`${base}${suffix}`, {
      method: verb,
      ...(verb === "GET" || verb === "HEAD" ? {} : { body: "{}", headers: { "content-type": "application/json" } }),
    }).catch((error: unknown) => {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      throw new Error(
        `${verb} ${new URL(`${base}${suffix}`).pathname} got no answer (${error instanceof Error ? error.message : String(error)}${cause})`,
      );
    });
    await response.arrayBuffer();
    if (response.status >= 500)
      throw new Error(`${verb} ${new URL(`${base}${suffix}`).pathname} answered HTTP ${response.status}`);
  });
}
