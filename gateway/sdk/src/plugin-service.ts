import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { ErrorCode, type HookContext as ProtoHookContext } from "./gen/polyplug/v1/common_pb.js";
import { GatewayAPI } from "./gen/polyplug/v1/gateway_api_pb.js";
import type {
  Plugin as PluginService,
  ServeHTTPRequest,
  ServeHTTPResponseSchema,
} from "./gen/polyplug/v1/plugin_pb.js";
import { createRpcClient } from "./rpc/client.js";
import type { RpcCallContext, RpcHandlers } from "./rpc/server.js";
import { AsyncQueue } from "./async-queue.js";
import type {
  CommandResult,
  HttpRouteDefinition,
  InterceptHandler,
  InterceptOutcome,
  Plugin,
} from "./define-plugin.js";
import { pluginState } from "./define-plugin.js";
import { describePlugin } from "./describe.js";
import { createGatewayApi } from "./gateway-api.js";
import type { PluginSideBroker } from "./goplugin/plugin-broker.js";
import { createHookContext, type HookContext } from "./hook-context.js";
import { createHttpRequest, createHttpResponse } from "./http.js";
import { LIMITS } from "./contract/limits.js";
import { REJECT_CODE_PATTERN, REJECT_CODE_RULE } from "./contract/names.js";
import type { Logger } from "./logger.js";
import { checkStructSize, checkTextSize, toJsonObject } from "./payload.js";
import { PluginError } from "./plugin-error.js";
import { matchRoute, matchTopic } from "./routing.js";

type Handlers = RpcHandlers<typeof PluginService>;

/**
 * Implements `polyplug.v1.Plugin` for a defined plugin. Only declared hooks are
 * registered (the rest answer UNIMPLEMENTED). Handler failures become the response's
 * `error` (PLUGIN_FAILED, or a thrown PluginError's code) with gRPC status OK.
 */
export function createPluginHandlers(plugin: Plugin, options: { broker: PluginSideBroker; logger: Logger }): Handlers {
  const definition = plugin.definition;
  const state = pluginState(plugin);
  const { logger } = options;
  const describe = describePlugin(definition);
  let apiConnection: grpc.Client | undefined;

  const context = (proto: ProtoHookContext | undefined, call: RpcCallContext): HookContext =>
    createHookContext({ proto, call, api: state.api, logger: plugin.logger, pluginId: definition.id });

  const failure = (hook: string, reason: unknown) => {
    const error = PluginError.from(reason);
    if (error.code === ErrorCode.PLUGIN_FAILED)
      logger.error(`${hook} handler failed`, {
        error: error.message,
        stack: error.cause instanceof Error ? error.cause.stack : undefined,
      });
    return { error: error.toProto() };
  };

  const connectApi = async (brokerId: number) => {
    apiConnection?.close();
    apiConnection = undefined;
    if (brokerId === 0) {
      logger.warn("Activate carried no gateway_api_broker_id; the GatewayAPI is unavailable");
      return;
    }
    const client = await options.broker.dial(brokerId);
    apiConnection = client;
    const rpc = createRpcClient(GatewayAPI, client);
    state.unboundApi = createGatewayApi(rpc);
    state.api = (scope) => createGatewayApi(rpc, scope);
  };

  const handlers: Handlers = {
    describe: () => describe,
    async activate(request, call) {
      try {
        await connectApi(request.gatewayApiBrokerId);
      } catch (reason) {
        return {
          error: new PluginError(
            ErrorCode.UNAVAILABLE,
            `could not connect to the GatewayAPI on broker id ${request.gatewayApiBrokerId}: ${(reason as Error).message}`,
          ).toProto(),
        };
      }
      try {
        state.config = received(request.configuration, "the Activate configuration");
        const ctx = context(request.context, call);
        await definition.onActivate?.(
          extend(ctx, {
            config: state.config,
            gateway: { version: request.gateway?.version ?? "", instanceId: request.gateway?.instanceId ?? "" },
          }),
        );
        logger.debug("activated", { plugin_id: definition.id });
        return {};
      } catch (reason) {
        return failure("onActivate", reason);
      }
    },
    async deactivate(request, call) {
      try {
        await definition.onDeactivate?.(context(request.context, call));
        return {};
      } catch (reason) {
        return failure("onDeactivate", reason);
      }
    },
  };

  const onConfigurationChanged = definition.onConfigurationChanged;
  if (onConfigurationChanged) {
    handlers.configurationChanged = async (request, call) => {
      try {
        const config = received(request.configuration, "the ConfigurationChanged configuration");
        await onConfigurationChanged.call(definition, config, context(request.context, call));
        // Only an accepted configuration becomes current: a handler that throws (rejects it)
        // leaves the previous one in force for `plugin.config`.
        state.config = config;
        return {};
      } catch (reason) {
        return failure("onConfigurationChanged", reason);
      }
    };
  }

  const intercept = definition.intercept ?? {};
  if (Object.keys(intercept).length > 0) {
    handlers.intercept = async (request, call) => {
      const handler = matchTopic(request.topic, intercept);
      if (!handler)
        return {
          error: new PluginError(
            ErrorCode.NOT_FOUND,
            `no intercept handler for topic ${JSON.stringify(request.topic)}`,
          ).toProto(),
        };
      try {
        const ctx = context(request.context, call);
        const payload = received(request.payload, `the Intercept payload for ${request.topic}`);
        const outcome = await handler(payload, extend(ctx, { topic: request.topic, ...outcomeBuilders }));
        return interceptResponse(outcome, request.topic);
      } catch (reason) {
        return failure(`intercept ${request.topic}`, reason);
      }
    };
  }

  const onClusterMessage = definition.onClusterMessage;
  if (onClusterMessage) {
    handlers.onClusterMessage = async (request, call) => {
      try {
        const payload = received(request.payload, `the cluster message payload for ${request.topic}`);
        await onClusterMessage.call(
          definition,
          { topic: request.topic, payload, fromNodeId: request.fromNodeId },
          context(request.context, call),
        );
        return {};
      } catch (reason) {
        return failure(`onClusterMessage ${request.topic}`, reason);
      }
    };
  }

  const notify = definition.notify ?? {};
  if (Object.keys(notify).length > 0) {
    handlers.notify = async (request, call) => {
      const handler = matchTopic(request.topic, notify);
      if (!handler)
        return {
          error: new PluginError(
            ErrorCode.NOT_FOUND,
            `no notify handler for topic ${JSON.stringify(request.topic)}`,
          ).toProto(),
        };
      try {
        await handler(
          received(request.payload, `the Notify payload for ${request.topic}`),
          extend(context(request.context, call), { topic: request.topic }),
        );
        return {};
      } catch (reason) {
        return failure(`notify ${request.topic}`, reason);
      }
    };
  }

  const commands = definition.commands ?? {};
  if (Object.keys(commands).length > 0) {
    handlers.executeCommand = async (request, call) => {
      const command = Object.hasOwn(commands, request.command) ? commands[request.command] : undefined;
      if (!command)
        return {
          error: new PluginError(ErrorCode.NOT_FOUND, `unknown command ${JSON.stringify(request.command)}`).toProto(),
        };
      try {
        const ctx = context(request.context, call);
        const result = await command.run(request.args, extend(ctx, { command: request.command, raw: request.raw }));
        return commandResponse(result, request.command);
      } catch (reason) {
        return failure(`command ${request.command}`, reason);
      }
    };
  }

  const routes = (definition.http ?? []).map((route) => ({ ...route, method: route.method ?? "*", route }));
  if (routes.length > 0) {
    handlers.serveHTTP = (requests, call) =>
      serveHttp(
        requests,
        call,
        (method, path) => matchRoute(method, path, routes)?.route,
        context,
        (reason) => failure("http", reason),
      );
  }
  return handlers;
}

// Spreading a HookContext would evaluate its lazy `api` getter (and throw before
// activation); copy property descriptors instead.
function extend<E extends object>(ctx: HookContext, extra: E): HookContext & E {
  return Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(ctx), ...Object.getOwnPropertyDescriptors(extra) },
  ) as HookContext & E;
}

// Receivers enforce the contract's limits too (proto/README.md §9): a payload or
// configuration over 8 MiB is refused with RESOURCE_EXHAUSTED before a handler sees it.
function received(object: JsonObject | undefined, what: string): JsonObject {
  const value = object ?? {};
  checkStructSize(value, LIMITS.payloadBytes, what);
  return value;
}

const outcomeBuilders = {
  proceed: (): InterceptOutcome => ({ kind: "proceed" }),
  modify: (payload: JsonObject): InterceptOutcome => ({ kind: "modify", payload }),
  reject: (reason = "", code = ""): InterceptOutcome => ({ kind: "reject", reason, code }),
};

function interceptResponse(
  outcome: Awaited<ReturnType<InterceptHandler>>,
  topic: string,
): MessageInitShape<typeof PluginService.method.intercept.output> {
  if (outcome === undefined || outcome === null) return {};
  switch (outcome.kind) {
    case "proceed":
      return { outcome: { case: "proceed", value: {} } };
    case "modify": {
      const payload = toJsonObject(outcome.payload, `the modified payload for ${topic}`);
      checkStructSize(payload, LIMITS.payloadBytes, `the modified payload for ${topic}`);
      return { outcome: { case: "modify", value: { payload } } };
    }
    case "reject": {
      checkTextSize(outcome.reason, LIMITS.rejectReasonBytes, "the reject reason");
      if (!REJECT_CODE_PATTERN.test(outcome.code))
        throw new PluginError(
          ErrorCode.PLUGIN_FAILED,
          `reject code ${JSON.stringify(outcome.code)} must match ${REJECT_CODE_RULE}`,
          { field: "code" },
        );
      return { outcome: { case: "reject", value: { reason: outcome.reason, code: outcome.code } } };
    }
    default:
      throw new PluginError(
        ErrorCode.PLUGIN_FAILED,
        `intercept handler for ${topic} returned something that is not an outcome; return ctx.proceed(), ctx.modify(payload), ctx.reject(reason, code) or nothing`,
      );
  }
}

function commandResponse(
  result: CommandResult,
  name: string,
): MessageInitShape<typeof PluginService.method.executeCommand.output> {
  if (result === undefined || result === null) return {};
  const { text = "", data } = typeof result === "string" ? { text: result, data: undefined } : result;
  if (typeof text !== "string")
    throw new PluginError(ErrorCode.PLUGIN_FAILED, `command ${name} returned a non-string text`);
  checkTextSize(text, LIMITS.commandTextBytes, `the text of command ${name}`);
  if (data === undefined) return { text };
  const clean = toJsonObject(data, `the data of command ${name}`);
  checkStructSize(clean, LIMITS.payloadBytes, `the data of command ${name}`);
  return { text, data: clean };
}

type ResponseFrame = MessageInitShape<typeof ServeHTTPResponseSchema>;

async function* serveHttp(
  requests: AsyncIterable<ServeHTTPRequest>,
  call: RpcCallContext,
  route: (method: string, path: string) => HttpRouteDefinition | undefined,
  context: (proto: ProtoHookContext | undefined, call: RpcCallContext) => HookContext,
  failure: (reason: unknown) => unknown,
): AsyncIterable<ResponseFrame> {
  const frames = requests[Symbol.asyncIterator]();
  const first = await frames.next();
  if (first.done || first.value.frame.case !== "head") {
    yield {
      frame: {
        case: "error",
        value: new PluginError(
          ErrorCode.INTERNAL,
          "protocol violation: the first ServeHTTP request frame must be the head",
        ).toProto(),
      },
    };
    return;
  }
  const head = first.value.frame.value;
  const target = route(head.method, head.path);
  if (!target) {
    yield {
      frame: {
        case: "error",
        value: new PluginError(ErrorCode.NOT_FOUND, `no HTTP route for ${head.method} ${head.path}`).toProto(),
      },
    };
    return;
  }
  const out = new AsyncQueue<ResponseFrame>();
  const controller = createHttpResponse(out);
  const onAbort = () =>
    out.close(new PluginError(ErrorCode.CANCELLED, "the HTTP client went away (ServeHTTP call cancelled)"));
  call.signal.addEventListener("abort", onAbort, { once: true });
  const request = createHttpRequest(head, frames);
  const ctx = context(head.context, call);
  void (async () => {
    try {
      await target.handle(request, controller.response, ctx);
      await controller.finish();
    } catch (reason) {
      if (call.signal.aborted) return;
      failure(reason);
      await controller.fail(PluginError.from(reason));
    } finally {
      call.signal.removeEventListener("abort", onAbort);
    }
  })();
  yield* out;
}
