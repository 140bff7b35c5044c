import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { fromContractError } from "@polyplug/sdk/internal/contract/contract-error.js";
import { Hook, type InterceptResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { ActivePlugin, ChainMember } from "./active-plugins.js";
import type { FailMode, FailurePolicy } from "./failure-policy.js";
import type { PluginInFlight } from "./in-flight.js";
import type { ChainStep, InterceptVerdict } from "./dispatcher.js";
import {
  encodedPayload,
  InterceptRequestEncoder,
  type EncodedPayload,
} from "@polyplug/sdk/internal/wire/intercept-request.js";
import { encodeStruct } from "@polyplug/sdk/internal/wire/struct-encoder.js";
import { encodeCheckedPayload } from "./limits.js";
import { anyTopicMatches, topicMatches } from "@polyplug/sdk/internal/topics.js";
import { pluginCallAttributes, type GatewayTracer } from "../tracing/gateway-tracer.js";

/** One link of a chain: a plugin and its subscription for the topic. */
export interface InterceptLink {
  readonly member: ChainMember;
  readonly priority: number;
  readonly timeoutMs: number;
  /** The manifest's `onFailure`: only a suggestion, the operator's FailurePolicy decides. */
  readonly suggested: FailMode;
}

/**
 * The plugins that intercept `topic`, in chain order: ascending priority, then plugin id
 * (deterministic, unlike Mattermost). A plugin is in the chain when its manifest subscribes
 * to the topic and its Describe says it implements Intercept for it (its last Describe
 * when it is not active; the manifest alone before it ever started). Members that are not
 * active stay in the chain: their step fails as `unavailable` and the fail mode decides.
 */
export function interceptChain(members: readonly ChainMember[], topic: string, logger: Logger): InterceptLink[] {
  const links: InterceptLink[] = [];
  for (const member of members) {
    const subscription = member.manifest.hooks.intercept.find((s) => topicMatches(s.topic, topic));
    if (!subscription) continue;
    const { description } = member;
    if (
      description &&
      (!description.implementedHooks.includes(Hook.INTERCEPT) || !anyTopicMatches(description.interceptTopics, topic))
    ) {
      logger.warn(
        { pluginId: member.pluginId, topic },
        "manifest subscribes to an intercept topic the plugin does not implement; skipped",
      );
      continue;
    }
    links.push({
      member,
      priority: subscription.priority,
      timeoutMs: subscription.timeoutMs,
      suggested: subscription.onFailure,
    });
  }
  return links.sort(
    (a, b) =>
      a.priority - b.priority ||
      (a.member.pluginId < b.member.pluginId ? -1 : a.member.pluginId > b.member.pluginId ? 1 : 0),
  );
}

/** The call-wide facts a chain runs with. */
export interface ChainCall {
  readonly requestId: string;
  /** A valid W3C traceparent (see isTraceparent): it is sent to every plugin as it is. */
  readonly traceparent: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch ms by which the whole chain must be done. */
  readonly deadlineAt: number;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
  /** The operator's fail modes. */
  readonly failurePolicy: FailurePolicy;
  /** Per-plugin in-flight limit: a call past it fails at once with resource_exhausted. */
  readonly inFlight: PluginInFlight;
  /** With tracing on: a client span per step, whose traceparent that step's plugin gets. */
  readonly tracer?: GatewayTracer | undefined;
}

type StepResult =
  | { kind: "proceed" }
  | { kind: "modify"; payload: JsonObject; encoded: EncodedPayload }
  | { kind: "reject"; reason: string; code: string }
  | { kind: "failed"; error: PolyplugError };

/** The result of every step that lets the event through unchanged (read only, shared). */
const PROCEED: StepResult = Object.freeze({ kind: "proceed" });

/** The failure of a step whose plugin is not active when its turn comes. */
export function unavailableError(member: ChainMember): PolyplugError {
  const state = member.state();
  return new PolyplugError(ErrorCode.Unavailable, `plugin ${member.pluginId} is unavailable (${state})`, {
    details: { pluginId: member.pluginId, state },
  });
}

/** A step whose plugin call is in flight: the chain awaits `response`, then `answered` or `stepFailure` (and releases the in-flight slot). */
interface StartedStep {
  readonly kind: "started";
  readonly plugin: ActivePlugin;
  readonly response: Promise<InterceptResponse>;
}

/**
 * Starts a step's call, or says at once why it cannot run. Not an async function wrapped
 * around the call: the chain awaits the call itself, one async frame per chain rather than
 * one more per step (~600 bytes of garbage and a promise hop per step; issue 17, chains).
 */
function startStep(
  link: InterceptLink,
  requests: InterceptRequestEncoder,
  payload: EncodedPayload,
  call: ChainCall,
  topic: string,
): StepResult | StartedStep {
  // The plugin as it is now: it may have crashed, been parked or disabled since the chain began.
  const plugin = link.member.active();
  if (!plugin) return { kind: "failed", error: unavailableError(link.member) };
  const now = Date.now();
  const timeoutMs = Math.min(link.timeoutMs, call.deadlineAt - now);
  if (timeoutMs <= 0)
    return {
      kind: "failed",
      error: new PolyplugError(ErrorCode.DeadlineExceeded, "no time left before the call's deadline"),
    };
  try {
    call.inFlight.acquire(plugin.pluginId);
  } catch (error) {
    return { kind: "failed", error: PolyplugError.from(error) };
  }
  try {
    const request = requests.request(plugin.pluginId, now + timeoutMs, payload);
    const response = plugin.session.rpc.intercept(
      request,
      call.signal ? { deadline: timeoutMs, signal: call.signal } : { deadline: timeoutMs },
    );
    return { kind: "started", plugin, response };
  } catch (reason) {
    call.inFlight.release(plugin.pluginId);
    return stepFailure(reason, plugin, topic, call);
  }
}

/** The step's result from its plugin's answer. */
function answered(response: InterceptResponse, plugin: ActivePlugin): StepResult {
  plugin.reportHookSuccess();
  if (response.error) return { kind: "failed", error: fromContractError(response.error) };
  switch (response.outcome.case) {
    case "modify": {
      const modified = response.outcome.value.payload;
      if (!modified)
        return {
          kind: "failed",
          error: new PolyplugError(ErrorCode.PluginFailed, "invalid response: modify without a payload"),
        };
      // The size check serializes the payload; the next plugin gets those very bytes.
      const encoded = encodedPayload(encodeCheckedPayload(modified, "modified payload"));
      return { kind: "modify", payload: modified, encoded };
    }
    case "reject":
      return {
        kind: "reject",
        reason: response.outcome.value.reason || "rejected",
        code: response.outcome.value.code,
      };
    default:
      return PROCEED;
  }
}

/** The step's result when its call failed; throws when the caller cancelled the whole call. */
function stepFailure(reason: unknown, plugin: ActivePlugin, topic: string, call: ChainCall): StepResult {
  if (call.signal?.aborted) throw new PolyplugError(ErrorCode.Cancelled, "the caller cancelled the intercept call");
  const error = PolyplugError.from(reason);
  if (error.code === ErrorCode.DeadlineExceeded) plugin.reportHookTimeout(`Intercept(${topic})`);
  return { kind: "failed", error };
}

/**
 * Runs the chain: each plugin sees the previous one's output; the first reject stops it.
 * A plugin that errors, times out, crashes, is over its in-flight limit or is not active
 * (starting, restarting, unhealthy past its strikes, parked in `failed`) is let through
 * (fail-open) or rejects the event (fail-closed) per the operator's FailurePolicy; every
 * step says which mode applied and where it came from.
 * `inputStruct` is `input` already serialized as a Struct (see encodeStruct), when the
 * caller has it; it is serialized here otherwise.
 */
export async function runInterceptChain(
  links: readonly InterceptLink[],
  topic: string,
  input: JsonObject,
  call: ChainCall,
  inputStruct?: Uint8Array,
): Promise<InterceptVerdict> {
  let payload = input;
  let encoded: EncodedPayload | undefined;
  let modified = false;
  const steps: ChainStep[] = [];
  let requests: InterceptRequestEncoder | undefined;
  for (const link of links) {
    // Fractional ms (ChainStep.duration_ms): one step is often well under a millisecond.
    const started = performance.now();
    encoded ??= encodedPayload(inputStruct ?? encodeStruct(input));
    requests ??= new InterceptRequestEncoder(call, topic);
    const pluginId = link.member.pluginId;
    // Traced, each step has its own span and the plugin gets its traceparent (a new encoder head).
    const span = call.tracer?.startSpan(`intercept ${pluginId}`, "client", call.traceparent, {
      ...pluginCallAttributes("Intercept", pluginId),
      "polyplug.topic": topic,
    });
    let result: StepResult;
    try {
      const step = startStep(
        link,
        span
          ? new InterceptRequestEncoder(
              // Not `{ ...call, traceparent }`: a slow clone on Node 20, ~2 µs per traced step (PROFILE.md).
              { requestId: call.requestId, traceparent: span.traceparent, metadata: call.metadata },
              topic,
            )
          : requests,
        encoded,
        call,
        topic,
      );
      if (step.kind === "started") {
        try {
          result = answered(await step.response, step.plugin);
        } catch (reason) {
          result = stepFailure(reason, step.plugin, topic, call);
        } finally {
          call.inFlight.release(step.plugin.pluginId);
        }
      } else result = step;
    } catch (reason) {
      span?.end(undefined, PolyplugError.from(reason));
      throw reason;
    }
    const durationMs = performance.now() - started;
    const failMode = call.failurePolicy.resolve(pluginId, topic, link.suggested);
    span?.end(
      { "polyplug.outcome": result.kind === "failed" ? `failed-${failMode.mode}` : result.kind },
      result.kind === "failed" ? { code: result.error.code, message: result.error.message } : undefined,
    );
    if (result.kind === "proceed") steps.push({ pluginId, outcome: "proceed", durationMs, failMode });
    else if (result.kind === "modify") {
      payload = result.payload;
      encoded = result.encoded;
      modified = true;
      steps.push({ pluginId, outcome: "modify", durationMs, failMode });
    } else if (result.kind === "reject") {
      steps.push({ pluginId, outcome: "reject", durationMs, failMode });
      return {
        requestId: call.requestId,
        allowed: false,
        payload,
        modified,
        rejection: { pluginId, reason: result.reason, code: result.code, failure: false },
        steps,
      };
    } else {
      const error = { code: result.error.code, message: result.error.message };
      const open = failMode.mode === "open";
      // An unavailable plugin fails every call until it is back; supervision logs that once
      // per state change, so here it is debug (a log line per call would be a flood).
      const level = error.code === ErrorCode.Unavailable && !link.member.active() ? "debug" : "warn";
      call.logger[level](
        { pluginId, topic, requestId: call.requestId, error, failMode },
        `intercept failed; ${open ? "letting the event through (fail-open)" : "rejecting the event (fail-closed)"}`,
      );
      if (open) {
        steps.push({ pluginId, outcome: "failed-open", durationMs, error, failMode });
        continue;
      }
      steps.push({ pluginId, outcome: "failed-closed", durationMs, error, failMode });
      return {
        requestId: call.requestId,
        allowed: false,
        payload,
        modified,
        rejection: {
          pluginId,
          reason: `plugin ${pluginId} failed (${error.code}): ${error.message}`,
          code: error.code,
          failure: true,
        },
        steps,
      };
    }
  }
  return { requestId: call.requestId, allowed: true, payload, modified, steps };
}
