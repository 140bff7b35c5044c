import type { JsonObject } from "@bufbuild/protobuf";
import { TOPIC_PATTERN } from "./topics.js";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import type { GatewayApi } from "./gateway-api.js";
import type { HookContext } from "./hook-context.js";
import type { HttpRequest, HttpResponse } from "./http.js";
import { LIMITS } from "./contract/limits.js";
import {
  COMMAND_NAME_PATTERN,
  COMMAND_NAME_RULE,
  PLUGIN_ID_PATTERN,
  PLUGIN_ID_RULE,
  TOPIC_NAME_RULE,
} from "./contract/names.js";
import { createLogger, type Logger } from "./logger.js";
import { PluginError } from "./plugin-error.js";

/** What `onActivate` receives besides the HookContext. */
export interface ActivateContext extends HookContext {
  /** The plugin's configuration (an empty object when nothing is configured). */
  readonly config: JsonObject;
  /** The gateway process that runs the plugin. */
  readonly gateway: { readonly version: string; readonly instanceId: string };
}

/** An intercept decision; build one with `ctx.proceed()`, `ctx.modify()` or `ctx.reject()`. */
export type InterceptOutcome =
  | { readonly kind: "proceed" }
  | { readonly kind: "modify"; readonly payload: JsonObject }
  | { readonly kind: "reject"; readonly reason: string; readonly code: string };

/** The context of an intercept handler. */
export interface InterceptContext extends HookContext {
  /** The concrete topic (never a pattern). */
  readonly topic: string;
  /** Continue with the payload unchanged (the same as returning nothing). */
  proceed(): InterceptOutcome;
  /** Continue with this complete replacement payload (at most 8 MiB serialized). */
  modify(payload: JsonObject): InterceptOutcome;
  /** Stop the event: `reason` is shown to the user (≤ 4 KiB), `code` is machine-readable ([a-z0-9_.-]{0,64}). */
  reject(reason?: string, code?: string): InterceptOutcome;
}

/** The context of a notify handler. */
export interface NotifyContext extends HookContext {
  readonly topic: string;
}

/** The context of a command. */
export interface CommandContext extends HookContext {
  /** The command name (no slash). */
  readonly command: string;
  /** The whole command line as typed, e.g. "/remind me in 5m". */
  readonly raw: string;
}

/** A message from a copy of this plugin on another gateway of the cluster (PublishClusterMessage). */
export interface ClusterMessage {
  readonly topic: string;
  readonly payload: JsonObject;
  /** The node id of the gateway the sending copy runs on. */
  readonly fromNodeId: string;
}

/** What a command returns: text for the user and/or structured data; a string is `{ text }`. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is a valid command handler
export type CommandResult = string | { readonly text?: string; readonly data?: JsonObject } | void;

/** Decides on an event before it happens; returning nothing means proceed. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing means "continue"
type InterceptReturn = InterceptOutcome | void;
export type InterceptHandler = (
  payload: JsonObject,
  ctx: InterceptContext,
) => InterceptReturn | Promise<InterceptReturn>;
/** Is told about an event after it happened. */
export type NotifyHandler = (payload: JsonObject, ctx: NotifyContext) => void | Promise<void>;

/** A command the plugin serves through ExecuteCommand. */
export interface CommandDefinition {
  /** One line, ≤ 256 bytes. */
  readonly description?: string;
  /** Argument hint, e.g. "<user> [reason]". */
  readonly usage?: string;
  /** Runs the command. Throw a PluginError with INVALID_ARGUMENT for bad arguments (its message is shown). */
  run(args: readonly string[], ctx: CommandContext): CommandResult | Promise<CommandResult>;
}

/** An HTTP route under /plugins/{id}. */
export interface HttpRouteDefinition {
  /** Upper-case method or "*" (default "*"). */
  readonly method?: string;
  /** Starts with "/"; matches at "/" boundaries; "/" matches everything. */
  readonly pathPrefix: string;
  /** Streams the request body in and the response out; the response is ended when this settles. */
  handle(req: HttpRequest, res: HttpResponse, ctx: HookContext): void | Promise<void>;
}

/**
 * A plugin, declared: what it is and which hooks it implements. Describe is computed from
 * it. Every handler may be async; what a handler throws is answered as
 * `Error{code: PLUGIN_FAILED}` (or the PluginError's code) and the plugin keeps serving.
 */
export interface PluginDefinition {
  /** Must equal the manifest id ([a-zA-Z0-9_.-]{3,190}). */
  readonly id: string;
  /** Semantic version. */
  readonly version: string;
  /** After the GatewayAPI is connected; throw to fail the start. */
  onActivate?(ctx: ActivateContext): void | Promise<void>;
  /** A complete new configuration; throw (e.g. PluginError INVALID_ARGUMENT) to reject it and keep the previous one as `plugin.config`. Omit it and the gateway restarts the plugin on changes instead. */
  onConfigurationChanged?(config: JsonObject, ctx: HookContext): void | Promise<void>;
  /** Before shutdown; the GatewayAPI stays usable until this returns. */
  onDeactivate?(ctx: HookContext): void | Promise<void>;
  /** Intercept handlers keyed by topic pattern: "a.b", "a.*" or "*". */
  readonly intercept?: Readonly<Record<string, InterceptHandler>>;
  /** Notify handlers keyed by topic pattern. */
  readonly notify?: Readonly<Record<string, NotifyHandler>>;
  /** Commands keyed by name ([a-z0-9_-]{1,64}). */
  readonly commands?: Readonly<Record<string, CommandDefinition>>;
  /** HTTP routes; the most specific match serves a request. */
  readonly http?: readonly HttpRouteDefinition[];
  /** Messages from this plugin's copies on the other gateways of a cluster (`api.publishClusterMessage`). */
  onClusterMessage?(message: ClusterMessage, ctx: HookContext): void | Promise<void>;
}

/** A defined plugin: pass it to `serve()`. */
export interface Plugin {
  readonly definition: PluginDefinition;
  /** Logger on stderr with `@module` = the plugin id. */
  readonly logger: Logger;
  /** The GatewayAPI (not bound to a call). Throws FAILED_PRECONDITION before activation. */
  readonly api: GatewayApi;
  /**
   * The configuration in force: the Activate one, then each one onConfigurationChanged accepted
   * (returned without throwing). While that handler runs, and after it rejects a configuration,
   * this is still the previous one.
   */
  readonly config: JsonObject;
}

/** Mutable state behind a Plugin, owned by the SDK runtime. */
export interface PluginState {
  api: ((scope: { requestId: string; signal: AbortSignal }) => GatewayApi) | undefined;
  unboundApi: GatewayApi | undefined;
  config: JsonObject;
}

const states = new WeakMap<Plugin, PluginState>();

/** The runtime state of a plugin made by definePlugin. */
export function pluginState(plugin: Plugin): PluginState {
  const state = states.get(plugin);
  if (!state) throw new Error("serve() needs a plugin made by definePlugin()");
  return state;
}

function fail(message: string): never {
  throw new Error(`definePlugin: ${message}`);
}

function validate(definition: PluginDefinition): void {
  if (!PLUGIN_ID_PATTERN.test(definition.id ?? ""))
    fail(`id ${JSON.stringify(definition.id)} must match ${PLUGIN_ID_RULE}`);
  if (typeof definition.version !== "string" || definition.version === "")
    fail("version must be a non-empty semantic version string");
  for (const kind of ["intercept", "notify"] as const) {
    const topics = Object.keys(definition[kind] ?? {});
    if (topics.length > LIMITS.describeEntries) fail(`at most ${LIMITS.describeEntries} ${kind} topics`);
    for (const topic of topics) {
      if (!TOPIC_PATTERN.test(topic))
        fail(`${kind} topic ${JSON.stringify(topic)} must be an exact topic ${TOPIC_NAME_RULE}, "prefix.*" or "*"`);
      if (typeof definition[kind]?.[topic] !== "function") fail(`${kind}[${JSON.stringify(topic)}] must be a function`);
    }
  }
  const commands = Object.entries(definition.commands ?? {});
  if (commands.length > LIMITS.describeEntries) fail(`at most ${LIMITS.describeEntries} commands`);
  for (const [name, command] of commands) {
    if (!COMMAND_NAME_PATTERN.test(name))
      fail(`command name ${JSON.stringify(name)} must match ${COMMAND_NAME_RULE} (no slash)`);
    if (typeof command?.run !== "function") fail(`commands.${name}.run must be a function`);
  }
  const routes = definition.http ?? [];
  if (routes.length > LIMITS.describeEntries) fail(`at most ${LIMITS.describeEntries} HTTP routes`);
  const seen = new Set<string>();
  for (const route of routes) {
    const method = route.method ?? "*";
    if (method !== "*" && !/^[A-Z]+$/.test(method))
      fail(`HTTP route method ${JSON.stringify(method)} must be upper case or "*"`);
    if (typeof route.pathPrefix !== "string" || !route.pathPrefix.startsWith("/"))
      fail(`HTTP route path prefix ${JSON.stringify(route.pathPrefix)} must start with "/"`);
    if (typeof route.handle !== "function") fail(`HTTP route ${method} ${route.pathPrefix} needs a handle function`);
    const key = `${method} ${route.pathPrefix}`;
    if (seen.has(key)) fail(`HTTP route ${key} is declared twice`);
    seen.add(key);
  }
}

/**
 * Declares a plugin. Checks the declaration at once (ids, topic patterns, command names,
 * routes) and throws an Error naming the problem, so mistakes show before any host runs it.
 */
export function definePlugin(definition: PluginDefinition): Plugin {
  validate(definition);
  const state: PluginState = { api: undefined, unboundApi: undefined, config: {} };
  const plugin: Plugin = {
    definition,
    logger: createLogger({ module: definition.id }),
    get api(): GatewayApi {
      if (!state.unboundApi)
        throw new PluginError(
          ErrorCode.FAILED_PRECONDITION,
          "the GatewayAPI is not connected: it is available from onActivate on",
        );
      return state.unboundApi;
    },
    get config(): JsonObject {
      return state.config;
    },
  };
  states.set(plugin, state);
  return plugin;
}
