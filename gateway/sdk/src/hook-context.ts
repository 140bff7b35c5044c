import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HookContext as ProtoHookContext } from "./gen/polyplug/v1/common_pb.js";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import type { RpcCallContext } from "./rpc/server.js";
import type { GatewayApi } from "./gateway-api.js";
import type { Logger } from "./logger.js";
import { PluginError } from "./plugin-error.js";

/** What every handler receives about the call it serves. */
export interface HookContext {
  /** Id of the application request that caused this call; pass it on in logs. */
  readonly requestId: string;
  /** W3C trace context; empty when tracing is off. */
  readonly traceparent: string;
  readonly tracestate: string;
  /** This plugin's id (the manifest id). */
  readonly pluginId: string;
  /** When the gateway stops waiting; undefined when the call has no deadline. */
  readonly deadline: Date | undefined;
  /** Caller facts the gateway vouches for (`user_id`, `session_id`, ...). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The plugin that caused the event, or "" (compare with `pluginId` to skip own echoes). */
  readonly originPluginId: string;
  /** Aborted when the gateway cancels the call or its deadline passes. */
  readonly signal: AbortSignal;
  /**
   * The GatewayAPI, bound to this call (log records carry its request id; calls are
   * cancelled with it). Throws FAILED_PRECONDITION before activation.
   */
  readonly api: GatewayApi;
  /** An hclog logger on stderr whose records carry `request_id`. */
  readonly log: Logger;
}

/** Inputs that build a HookContext. */
export interface HookContextSource {
  readonly proto: ProtoHookContext | undefined;
  readonly call: RpcCallContext;
  readonly api: ((scope: { requestId: string; signal: AbortSignal }) => GatewayApi) | undefined;
  readonly logger: Logger;
  readonly pluginId: string;
}

/** Builds the HookContext of one call from the request's context and the gRPC call. */
export function createHookContext(source: HookContextSource): HookContext {
  const proto = source.proto;
  const requestId = proto?.requestId ?? "";
  const { signal } = source.call;
  let api: GatewayApi | undefined;
  return {
    requestId,
    traceparent: proto?.traceparent ?? "",
    tracestate: proto?.tracestate ?? "",
    pluginId: proto?.pluginId || source.pluginId,
    deadline: proto?.deadline ? timestampDate(proto.deadline) : source.call.deadline,
    metadata: { ...(proto?.metadata ?? {}) },
    originPluginId: proto?.originPluginId ?? "",
    signal,
    get api(): GatewayApi {
      if (!source.api)
        throw new PluginError(
          ErrorCode.FAILED_PRECONDITION,
          "the GatewayAPI is not connected: it is available from onActivate on",
        );
      api ??= source.api({ requestId, signal });
      return api;
    },
    log: requestId ? source.logger.with({ request_id: requestId }) : source.logger,
  };
}
