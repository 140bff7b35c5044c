import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { readContractCodeName } from "@polyplug/sdk/internal/contract/codes.js";
import { fromContractError } from "@polyplug/sdk/internal/contract/contract-error.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { ActivePlugin, ActivePlugins } from "./active-plugins.js";
import { commandOwner } from "./commands.js";
import type {
  CallOptions,
  CommandResult,
  Dispatcher,
  HookContextInit,
  InterceptVerdict,
  NotifyReceipt,
  PluginHttpStream,
} from "./dispatcher.js";
import { isTraceparent, newHookContext, newTraceparent } from "../supervision/hook-context.js";
import { checkHttpRoute } from "./http-target.js";
import { InterceptChainCache } from "./chain-cache.js";
import { FailurePolicy } from "./failure-policy.js";
import { PluginInFlight } from "./in-flight.js";
import { runInterceptChain, type ChainCall } from "./intercept-chain.js";
import { encodeCheckedPayload } from "./limits.js";
import { createNotifyQueue, DEFAULT_NOTIFY_QUEUE, type NotifyQueue, type NotifyQueueLimits } from "./notify-queue.js";
import { anyTopicMatches, isTopicName, topicMatches } from "@polyplug/sdk/internal/topics.js";
import { pluginCallAttributes, type GatewayTracer, type TraceSpan } from "../tracing/gateway-tracer.js";

/** Longest an application call may ask for, whatever it sends. */
export const MAX_CALL_TIMEOUT_MS = 600_000;

function checkTopic(topic: string): void {
  if (!isTopicName(topic)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `invalid topic ${JSON.stringify(topic.slice(0, 100))}: a topic is 1 to 128 of a-z, 0-9, _, . and - (e.g. message.will_be_posted)`,
    );
  }
}

/** Checks the payload's shape and size; returns it serialized as a Struct. */
function checkPayload(payload: unknown): Uint8Array {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new PolyplugError(ErrorCode.InvalidArgument, "payload must be a JSON object");
  }
  return encodeCheckedPayload(payload as JsonObject);
}

/** One finished hook call, as observers of the dispatcher see it. */
export interface HookCall {
  readonly pluginId: string;
  /** `intercept`, `notify` or `command`. */
  readonly hook: "intercept" | "notify" | "command";
  readonly durationMs: number;
  /** Intercept: the chain step outcome (`proceed`, `modify`, `reject`, `failed-open`, `failed-closed`); others: `ok`, `error` or `timeout`. */
  readonly outcome: string;
  /** Notify `error`/`timeout`: the plugin's contract code (e.g. INVALID_ARGUMENT) or the gateway's code, and the message. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** Fail-safe options of the dispatcher. */
export interface DispatchSafetyOptions {
  /** The operator's fail modes (default: every manifest's suggestion). */
  readonly failurePolicy?: FailurePolicy;
  /** Most intercept and command calls in flight to one plugin (default DEFAULT_PLUGIN_IN_FLIGHT_LIMIT). */
  readonly maxInFlightPerPlugin?: number;
}

/** The gateway's Dispatcher over whatever plugins are active. */
export class GatewayDispatcher implements Dispatcher {
  private readonly queues = new Map<string, NotifyQueue>();
  private readonly observers = new Set<(call: HookCall) => void>();
  private readonly chains = new InterceptChainCache();
  private tracer: GatewayTracer | undefined;
  /** The operator's fail modes, as intercept chains apply them. */
  readonly failurePolicy: FailurePolicy;
  /** Hook calls in flight per plugin, bounded. */
  readonly inFlight: PluginInFlight;

  constructor(
    /** The plugins dispatch sees as active (read-only use: their manifests and Describe answers). */
    readonly plugins: ActivePlugins,
    private readonly logger: Logger,
    private readonly queueLimits: NotifyQueueLimits = DEFAULT_NOTIFY_QUEUE,
    safety: DispatchSafetyOptions = {},
  ) {
    this.failurePolicy = safety.failurePolicy ?? new FailurePolicy();
    this.inFlight = new PluginInFlight(safety.maxInFlightPerPlugin);
  }

  /**
   * Calls `listener` after every finished intercept, notify and command call of a plugin
   * (latency figures, metrics). Listeners must be quick and must not throw; errors they
   * throw are logged and ignored. Returns the unsubscribe function.
   */
  observe(listener: (call: HookCall) => void): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  /**
   * Exports a span for each call (server), each chain step and each plugin call (client);
   * plugins get the step's traceparent, so their own spans join the trace. Undefined: off.
   */
  useTracer(tracer: GatewayTracer | undefined): void {
    this.tracer = tracer;
  }

  /** The call's server span (child of the caller's traceparent), whose traceparent the call then carries. */
  private serverSpan(
    method: string,
    facts: { traceparent: string; requestId: string },
    options: CallOptions | undefined,
    attributes: Record<string, string>,
  ): TraceSpan | undefined {
    if (!this.tracer) return undefined;
    const caller = options?.traceparent && isTraceparent(options.traceparent) ? options.traceparent : undefined;
    const span = this.tracer.startSpan(`polyplug.v1.Gateway/${method}`, "server", caller, {
      "rpc.system": "connect_rpc",
      "rpc.service": "polyplug.v1.Gateway",
      "rpc.method": method,
      "polyplug.request_id": facts.requestId,
      ...attributes,
    });
    facts.traceparent = span.traceparent;
    return span;
  }

  /** Hands a finished hook call to the observers (also for calls made elsewhere: public-port workers). */
  report(call: HookCall): void {
    for (const listener of this.observers) {
      try {
        listener(call);
      } catch (error) {
        this.logger.warn({ err: PolyplugError.from(error).message }, "hook call observer failed");
      }
    }
  }

  private callFacts(options: CallOptions | undefined, defaultTimeoutMs: number) {
    const timeoutMs = Math.min(
      options?.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : defaultTimeoutMs,
      MAX_CALL_TIMEOUT_MS,
    );
    return {
      requestId: options?.requestId || randomUUID(),
      traceparent: options?.traceparent && isTraceparent(options.traceparent) ? options.traceparent : newTraceparent(),
      metadata: { ...options?.metadata },
      timeoutMs,
      deadlineAt: Date.now() + timeoutMs,
      signal: options?.signal,
    };
  }

  async intercept(topic: string, payload: JsonObject, options?: CallOptions): Promise<InterceptVerdict> {
    checkTopic(topic);
    const encoded = checkPayload(payload);
    const links = this.chains.links(this.plugins.members(), topic, this.logger);
    const longest = links.reduce((sum, link) => sum + link.timeoutMs, 0);
    const facts = this.callFacts(options, Math.max(1000, longest));
    const span = this.serverSpan("Intercept", facts, options, { "polyplug.topic": topic });
    let verdict: InterceptVerdict;
    try {
      // Field by field, not `{ ...facts, ... }`: V8 clones a spread object with properties
      // added after it on a slow path, measured at several µs per call (PROFILE.md, #17 hot path).
      const call: ChainCall = {
        requestId: facts.requestId,
        traceparent: facts.traceparent,
        metadata: facts.metadata,
        deadlineAt: facts.deadlineAt,
        signal: facts.signal,
        logger: this.logger,
        failurePolicy: this.failurePolicy,
        inFlight: this.inFlight,
        tracer: this.tracer,
      };
      verdict = await runInterceptChain(links, topic, payload, call, encoded);
    } catch (reason) {
      const error = PolyplugError.from(reason);
      span?.end(undefined, { code: error.code, message: error.message });
      throw error;
    }
    span?.end({
      "polyplug.allowed": verdict.allowed,
      "polyplug.modified": verdict.modified,
      "polyplug.steps": verdict.steps.length,
      ...(verdict.rejection ? { "polyplug.rejected_by": verdict.rejection.pluginId } : {}),
    });
    for (const step of verdict.steps)
      this.report({ pluginId: step.pluginId, hook: "intercept", durationMs: step.durationMs, outcome: step.outcome });
    return verdict;
  }

  notify(topic: string, payload: JsonObject, options?: CallOptions): NotifyReceipt {
    checkTopic(topic);
    checkPayload(payload);
    const facts = this.callFacts(options, 30_000);
    const span = this.serverSpan("Notify", facts, options, { "polyplug.topic": topic });
    const queuedFor: string[] = [];
    const droppedFor: string[] = [];
    for (const plugin of this.plugins.list()) {
      const subscription = plugin.manifest.hooks.notify.find((s) => topicMatches(s.topic, topic));
      if (
        !subscription ||
        !plugin.session.implements(Hook.NOTIFY) ||
        !anyTopicMatches(plugin.session.description.notifyTopics, topic)
      )
        continue;
      const accepted = this.queueFor(plugin).offer(() =>
        this.deliver(plugin, topic, payload, facts, subscription.timeoutMs),
      );
      (accepted ? queuedFor : droppedFor).push(plugin.pluginId);
      if (!accepted)
        this.logger.warn(
          { pluginId: plugin.pluginId, topic },
          "notification queue full; event dropped for this plugin",
        );
    }
    span?.end({ "polyplug.queued": queuedFor.length, "polyplug.dropped": droppedFor.length });
    return { requestId: facts.requestId, queuedFor, droppedFor };
  }

  /** Resolves when every notification queue is empty (for tests and shutdown). */
  async drained(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.idle()));
  }

  private queueFor(plugin: ActivePlugin): NotifyQueue {
    let queue = this.queues.get(plugin.pluginId);
    if (!queue) {
      queue = createNotifyQueue(this.queueLimits, this.logger.child({ pluginId: plugin.pluginId }));
      this.queues.set(plugin.pluginId, queue);
    }
    return queue;
  }

  private async deliver(
    plugin: ActivePlugin,
    topic: string,
    payload: JsonObject,
    facts: ReturnType<GatewayDispatcher["callFacts"]>,
    timeoutMs: number,
  ): Promise<void> {
    const span = this.tracer?.startSpan(
      `notify ${plugin.pluginId}`,
      "client",
      facts.traceparent,
      pluginCallAttributes("Notify", plugin.pluginId),
    );
    const context = newHookContext({
      pluginId: plugin.pluginId,
      requestId: facts.requestId,
      traceparent: span?.traceparent ?? facts.traceparent,
      metadata: facts.metadata,
      timeoutMs,
    });
    const started = Date.now();
    const done = (outcome: string, error?: HookCall["error"]) => {
      span?.end({ "polyplug.outcome": outcome }, error);
      this.report({
        pluginId: plugin.pluginId,
        hook: "notify",
        durationMs: Date.now() - started,
        outcome,
        ...(error ? { error } : {}),
      });
    };
    try {
      const response = await plugin.session.rpc.notify({ context, topic, payload }, { deadline: timeoutMs });
      plugin.reportHookSuccess();
      if (response.error) {
        const code = readContractCodeName(response.error.code);
        done("error", { code, message: response.error.message });
        this.logger.warn(
          { pluginId: plugin.pluginId, topic, requestId: facts.requestId, code, err: response.error.message },
          "notification handler failed",
        );
      } else done("ok");
    } catch (reason) {
      const error = PolyplugError.from(reason);
      done(error.code === ErrorCode.DeadlineExceeded ? "timeout" : "error", {
        code: error.code,
        message: error.message,
      });
      if (error.code === ErrorCode.DeadlineExceeded) plugin.reportHookTimeout(`Notify(${topic})`);
      this.logger.warn(
        { pluginId: plugin.pluginId, topic, requestId: facts.requestId, code: error.code, err: error.message },
        "notification delivery failed",
      );
    }
  }

  async executeCommand(
    command: string,
    args: readonly string[],
    raw: string,
    options?: CallOptions,
  ): Promise<CommandResult> {
    const plugin = commandOwner(this.plugins.list(), command);
    const timeoutMs = plugin.manifest.hooks.commandTimeoutMs;
    const facts = this.callFacts(options, timeoutMs);
    this.inFlight.acquire(plugin.pluginId);
    const server = this.serverSpan("ExecuteCommand", facts, options, { "polyplug.command": command });
    const span = this.tracer?.startSpan(
      `command ${plugin.pluginId}`,
      "client",
      facts.traceparent,
      pluginCallAttributes("ExecuteCommand", plugin.pluginId),
    );
    const context = newHookContext({
      pluginId: plugin.pluginId,
      requestId: facts.requestId,
      traceparent: span?.traceparent ?? facts.traceparent,
      metadata: facts.metadata,
      timeoutMs: facts.timeoutMs,
    });
    const started = Date.now();
    let reported = false;
    const done = (outcome: string, error?: { code: string; message: string }) => {
      if (!reported) {
        span?.end({ "polyplug.outcome": outcome }, error);
        server?.end(undefined, error);
        this.report({ pluginId: plugin.pluginId, hook: "command", durationMs: Date.now() - started, outcome });
      }
      reported = true;
    };
    try {
      const response = await plugin.session.rpc.executeCommand(
        { context, command, args: [...args], raw },
        { deadline: facts.timeoutMs, ...(facts.signal ? { signal: facts.signal } : {}) },
      );
      plugin.reportHookSuccess();
      done(
        response.error ? "error" : "ok",
        response.error
          ? { code: readContractCodeName(response.error.code), message: response.error.message }
          : undefined,
      );
      if (response.error)
        throw fromContractError(response.error, `plugin ${plugin.pluginId} failed to run /${command}`, {
          pluginId: plugin.pluginId,
        });
      return { requestId: facts.requestId, pluginId: plugin.pluginId, text: response.text, data: response.data };
    } catch (reason) {
      const error = PolyplugError.from(reason);
      done(error.code === ErrorCode.DeadlineExceeded ? "timeout" : "error", error);
      if (error.code === ErrorCode.DeadlineExceeded) plugin.reportHookTimeout(`ExecuteCommand(${command})`);
      throw error;
    } finally {
      this.inFlight.release(plugin.pluginId);
    }
  }

  openHttpStream(
    pluginId: string,
    method: string,
    path: string,
    options?: CallOptions,
  ): { stream: PluginHttpStream; context: HookContextInit } {
    const plugin = checkHttpRoute(this.plugins.get(pluginId), pluginId, method, path);
    const facts = this.callFacts(options, plugin.manifest.hooks.httpTimeoutMs);
    const stream = plugin.session.rpc.serveHTTP({
      deadline: facts.timeoutMs,
      ...(facts.signal ? { signal: facts.signal } : {}),
    });
    return {
      stream,
      context: {
        requestId: facts.requestId,
        traceparent: facts.traceparent,
        pluginId,
        metadata: facts.metadata,
        deadlineMs: facts.deadlineAt,
      },
    };
  }
}
