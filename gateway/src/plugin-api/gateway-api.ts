import type { Logger } from "pino";
import type { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import type { ApiCapability } from "../registry/manifest.js";
import type { KvStore, PluginStateStore } from "../store/store.js";
import type { EventPublisher } from "./events.js";
import { createConfigHandlers, type PluginConfigAccess } from "./config.js";
import { createKvHandlers } from "./kv.js";
import { createLogHandler } from "./log.js";
import type { LogRateLimit } from "./log-rate-limit.js";
import { checkApiPermission } from "./permissions.js";
import { createPublishHandler } from "./publish.js";
import { createClusterMessageHandler, type ClusterMessageSender } from "./cluster-message.js";
import { toRpcStatusError } from "./rpc-status.js";

/** Everything the GatewayAPI served to one plugin connection needs. */
export interface GatewayApiDeps {
  /**
   * The plugin on whose broker connection the calls arrive. The only source of every
   * namespace (KV, configuration, event names, log records); no request field can name
   * another plugin.
   */
  readonly pluginId: string;
  /**
   * The GatewayAPI capabilities the plugin was granted (its manifest's `permissions.api`, as
   * the operator approved it). Any other call answers PERMISSION_DENIED naming the capability.
   */
  readonly permissions: readonly ApiCapability[];
  readonly store: KvStore & PluginStateStore;
  /** Logger already bound to the plugin's identity; GatewayAPI.Log writes here. */
  readonly logger: Logger;
  readonly events: EventPublisher;
  readonly config: PluginConfigAccess;
  /** Clock, epoch milliseconds (event timestamps, log rate limit). Default Date.now. */
  readonly now?: () => number;
  /** Log flood protection; default 1000 records/s, bursts of 2000. */
  readonly logRateLimit?: LogRateLimit;
  /** Where PublishClusterMessage sends (needs the `cluster` capability); default: nowhere (no cluster). */
  readonly cluster?: ClusterMessageSender;
}

type Handler = (request: never, context: never) => unknown;

/**
 * The polyplug.v1.GatewayAPI handlers for one plugin connection, ready for
 * `addRpcService(server, GatewayAPI, handlers)`. Every request is validated against the
 * contract's limits; failures answer the gRPC status of proto/README.md §8
 * (INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the field or limit, PERMISSION_DENIED for a
 * capability the plugin was not granted, UNAVAILABLE when storage is, INTERNAL for gateway
 * bugs), never a partial effect.
 */
export function createGatewayApiHandlers(deps: GatewayApiDeps): RpcHandlers<typeof GatewayAPI> {
  const { pluginId } = deps;
  const now = deps.now ?? Date.now;
  const granted = new Set(deps.permissions);
  const handlers = {
    ...createKvHandlers({ pluginId, store: deps.store }),
    ...createLogHandler({ logger: deps.logger, now, ...(deps.logRateLimit ? { rateLimit: deps.logRateLimit } : {}) }),
    ...createPublishHandler({ pluginId, events: deps.events, now }),
    ...createConfigHandlers(deps.config),
    ...createClusterMessageHandler(deps.cluster ?? { send: async () => undefined }),
  };
  const guarded: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, Handler][]) {
    guarded[name] = (request, context) => {
      try {
        checkApiPermission(pluginId, granted, name);
        const result = handler(request, context);
        // Store-backed handlers answer through promises: map their failures the same way.
        if (result instanceof Promise)
          return result.catch((reason: unknown) => Promise.reject(toRpcStatusError(reason)));
        return result;
      } catch (reason) {
        throw toRpcStatusError(reason);
      }
    };
  }
  return guarded as RpcHandlers<typeof GatewayAPI>;
}
