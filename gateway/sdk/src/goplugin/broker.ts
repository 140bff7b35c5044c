import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { createGrpcClient, MAX_MESSAGE_BYTES, serverCredentials, waitForConnection, type MutualTls } from "./channel.js";
import { ConnInfoSchema, type ConnInfo } from "../gen/plugin/grpc_broker_pb.js";
import type { RpcCallContext } from "../rpc/server.js";
import { AsyncQueue } from "../async-queue.js";
import { ErrorCode } from "../gen/polyplug/v1/common_pb.js";
import { PluginError } from "../plugin-error.js";
import { bindPluginServer, type ListenerConfig } from "./listener.js";

/** go-plugin's wait for a ConnInfo before a dial fails. */
export const BROKER_DIAL_WAIT_MS = 5000;
/** Largest gRPC message on every plugin connection, both directions (16 MiB): the host's one constant. */
export const MAX_GRPC_MESSAGE_BYTES = MAX_MESSAGE_BYTES;

/**
 * The plugin side of go-plugin's gRPC broker. The host opens `StartStream`; ConnInfos
 * the host announces are kept for the life of the process (so a service can be redialed);
 * services this plugin offers are announced on the response stream.
 */
export interface PluginSideBroker {
  /** Dials the host-served service announced under `id`, waiting up to `timeoutMs` (5 s) for the announcement. */
  dial(id: number, timeoutMs?: number): Promise<grpc.Client>;
  /** A fresh id for a service this plugin offers (1, 2, 3...). */
  nextId(): number;
  /** Serves a new gRPC server (services added by `register`) under `id` and announces it to the host. */
  acceptAndServe(id: number, register: (server: grpc.Server) => void): Promise<void>;
  /** Closes dialed clients and offered servers. */
  close(): void;
}

/** The broker plus the handler to register as `plugin.GRPCBroker/StartStream`. */
export interface BrokerService extends PluginSideBroker {
  startStream(requests: AsyncIterable<ConnInfo>, context: RpcCallContext): AsyncIterable<ConnInfo>;
}

/** Creates the plugin-side broker using the main connection's TLS material and listener rules. */
export function createBroker(options: { tls: MutualTls | undefined; listener: ListenerConfig; onWarning?: (message: string) => void }): BrokerService {
  const known = new Map<number, ConnInfo>();
  const waiters = new Map<number, Array<(info: ConnInfo) => void>>();
  let outbound = new AsyncQueue<ConnInfo>();
  const servers = new Set<grpc.Server>();
  const clients = new Set<grpc.Client>();
  let lastId = 0;

  const receive = (info: ConnInfo) => {
    if (info.knock) {
      options.onWarning?.(`the host sent a broker multiplexing knock for id ${info.serviceId}, but this SDK does not multiplex; ignored`);
      return;
    }
    known.set(info.serviceId, info);
    for (const resolve of waiters.get(info.serviceId)?.splice(0) ?? []) resolve(info);
  };

  const awaitInfo = (id: number, timeoutMs: number): Promise<ConnInfo> => {
    const ready = known.get(id);
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const list = waiters.get(id) ?? [];
      const done = (info: ConnInfo) => {
        clearTimeout(timer);
        resolve(info);
      };
      const timer = setTimeout(() => {
        list.splice(list.indexOf(done), 1);
        reject(new PluginError(ErrorCode.UNAVAILABLE, `no connection info for broker id ${id}: the host did not announce it within ${timeoutMs} ms`));
      }, timeoutMs);
      list.push(done);
      waiters.set(id, list);
    });
  };

  return {
    async *startStream(requests, context) {
      const queue = outbound;
      void (async () => {
        try {
          for await (const info of requests) receive(info);
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
    async dial(id, timeoutMs = BROKER_DIAL_WAIT_MS) {
      const info = await awaitInfo(id, timeoutMs);
      if (info.network !== "unix" && info.network !== "tcp") {
        throw new PluginError(ErrorCode.UNAVAILABLE, `broker id ${id} was announced with unsupported network ${JSON.stringify(info.network)}`);
      }
      const listen = { network: info.network, address: info.address } as const;
      const client = createGrpcClient(listen, options.tls, MAX_GRPC_MESSAGE_BYTES);
      try {
        await waitForConnection(client, listen, timeoutMs, options.tls !== undefined);
      } catch (error) {
        client.close();
        throw new PluginError(ErrorCode.UNAVAILABLE, `could not connect to broker id ${id} at ${info.network}:${info.address}: ${(error as Error).message}`);
      }
      clients.add(client);
      return client;
    },
    nextId: () => ++lastId,
    async acceptAndServe(id, register) {
      const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_GRPC_MESSAGE_BYTES, "grpc.max_send_message_length": MAX_GRPC_MESSAGE_BYTES });
      register(server);
      const listen = await bindPluginServer(server, serverCredentials(options.tls), options.listener);
      servers.add(server);
      // Not awaited: the host takes it off the stream whenever it reads.
      outbound.push(create(ConnInfoSchema, { serviceId: id, network: listen.network, address: listen.address })).catch(() => undefined);
    },
    close() {
      for (const client of clients) client.close();
      for (const server of servers) server.forceShutdown();
      clients.clear();
      servers.clear();
    },
  };
}
