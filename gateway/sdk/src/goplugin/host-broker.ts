import type * as grpc from "@grpc/grpc-js";
import { GRPCBroker, type ConnInfo, type ConnInfoSchema } from "../gen/plugin/grpc_broker_pb.js";
import { createRpcClient, type BidiStream, type RpcTarget } from "../rpc/client.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { createBrokerCore, type GoPluginBroker } from "./broker.js";
import type { ListenAddress, MutualTls } from "./channel.js";

/** The host's broker: the `StartStream` client end (go-plugin's gRPCBrokerClientImpl). */
export interface PluginBroker extends GoPluginBroker {
  /** True when the plugin serves `plugin.GRPCBroker` (minimal non-Go plugins may not). */
  readonly available: boolean;
  /** Closes the stream, every brokered server and every dialed client. */
  close(): Promise<void>;
}

/** Where the host's broker logs (a pino logger fits). */
export interface BrokerLog {
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/** Opens the broker stream on a connected plugin and returns the broker. */
export function startBroker(options: {
  /** The plugin's main connection (a transport with `stream`, or a grpc-js client). */
  client: RpcTarget;
  tls: MutualTls | undefined;
  /** Binds a server the host offers under `id` (a private socket the plugin can reach). */
  listen: (server: grpc.Server, id: number, credentials: grpc.ServerCredentials) => Promise<ListenAddress>;
  logger: BrokerLog;
  maxMessageBytes?: number | undefined;
  /** Settles once `client` is connected (or could not connect); dials wait for it (unset: it is). */
  connected?: Promise<unknown> | undefined;
}): PluginBroker {
  const { logger } = options;
  const stream: BidiStream<typeof ConnInfoSchema, typeof ConnInfoSchema> = createRpcClient(
    GRPCBroker,
    options.client,
  ).startStream();
  let available = true;
  let closed = false;
  const core = createBrokerCore({
    tls: options.tls,
    maxMessageBytes: options.maxMessageBytes,
    peer: "plugin",
    keepAnnouncements: false,
    listen: options.listen,
    send: (info: ConnInfo) => stream.send(info),
    onWarning: (message) => logger.warn({}, message),
    streamReady: options.connected,
  });

  void (async () => {
    try {
      for await (const info of stream.responses) core.receive(info);
    } catch (reason) {
      const grpcStatus = reason instanceof PolyplugError ? reason.details.grpcStatus : undefined;
      if (grpcStatus === "UNIMPLEMENTED") {
        available = false;
        logger.debug({}, "plugin does not serve plugin.GRPCBroker; the broker is unavailable");
      } else if (!closed) {
        logger.debug({ err: reason }, "broker stream ended");
      }
      const message =
        grpcStatus === "UNIMPLEMENTED"
          ? "the plugin does not serve plugin.GRPCBroker"
          : "the broker stream to the plugin has ended";
      core.fail(new PolyplugError(ErrorCode.BrokerFailed, message, { cause: reason }));
    }
  })();

  return {
    get available() {
      return available;
    },
    nextId: core.nextId,
    acceptAndServe: core.acceptAndServe,
    dial: core.dial,
    async close() {
      if (closed) return;
      closed = true;
      stream.end();
      stream.cancel();
      core.close();
    },
  };
}
