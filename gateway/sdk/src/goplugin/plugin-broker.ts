import { AsyncQueue } from "../async-queue.js";
import type { ConnInfo } from "../gen/plugin/grpc_broker_pb.js";
import { ErrorCode } from "../gen/polyplug/v1/common_pb.js";
import { PluginError } from "../plugin-error.js";
import type { RpcCallContext } from "../rpc/server.js";
import { createBrokerCore, type GoPluginBroker } from "./broker.js";
import type { MutualTls } from "./channel.js";
import { bindPluginServer, type ListenerConfig } from "./listener.js";

/**
 * The plugin's broker: the `StartStream` server end (go-plugin's gRPCBrokerServer). ConnInfos
 * the host announces are kept for the life of the process (so a service can be redialed);
 * services this plugin offers are announced on the response stream. Failures are PluginErrors
 * (UNAVAILABLE), as everything the SDK hands plugin authors.
 */
export interface PluginSideBroker extends GoPluginBroker {
  /** Closes dialed clients and offered servers. */
  close(): void;
}

/** The broker plus the handler to register as `plugin.GRPCBroker/StartStream`. */
export interface BrokerService extends PluginSideBroker {
  startStream(requests: AsyncIterable<ConnInfo>, context: RpcCallContext): AsyncIterable<ConnInfo>;
}

const unavailable = (reason: unknown): never => {
  if (reason instanceof PluginError) throw reason;
  throw new PluginError(ErrorCode.UNAVAILABLE, (reason as Error).message, {}, { cause: reason });
};

/** Creates the plugin-side broker using the main connection's TLS material and listener rules. */
export function createBroker(options: {
  tls: MutualTls | undefined;
  listener: ListenerConfig;
  onWarning?: (message: string) => void;
}): BrokerService {
  let outbound = new AsyncQueue<ConnInfo>();
  const core = createBrokerCore({
    tls: options.tls,
    peer: "host",
    keepAnnouncements: true,
    listen: (server, _id, credentials) => bindPluginServer(server, credentials, options.listener),
    // Not awaited: the host takes it off the stream whenever it reads.
    send: (info) => void outbound.push(info).catch(() => undefined),
    onWarning: options.onWarning,
  });

  return {
    async *startStream(requests, context) {
      const queue = outbound;
      void (async () => {
        try {
          for await (const info of requests) core.receive(info);
        } catch {
          // the host went away; the call's cancellation ends the response side
        } finally {
          queue.close();
        }
      })();
      context.signal.addEventListener("abort", () => queue.close(), { once: true });
      yield* queue;
      // A later StartStream (a reconnecting host) gets a fresh queue.
      if (outbound === queue) outbound = new AsyncQueue<ConnInfo>();
    },
    dial: (id, timeoutMs) => core.dial(id, timeoutMs).catch(unavailable),
    nextId: core.nextId,
    acceptAndServe: (id, register) => core.acceptAndServe(id, register).catch(unavailable),
    close: core.close,
  };
}
