import { chmod } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { create } from "@bufbuild/protobuf";
import { ErrorCode, PolyplugError } from "../errors.js";
import { GRPCBroker, ConnInfoSchema, type ConnInfo } from "@polyplug/sdk/internal/gen/plugin/grpc_broker_pb.js";
import { createRpcClient, type BidiStream } from "@polyplug/sdk/internal/rpc/client.js";
import { createGrpcClient, MAX_MESSAGE_BYTES, serverCredentials, waitForConnection, type ListenAddress, type MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";

/** How long a dial waits for the peer to announce an id, and how long an unclaimed announcement is kept (go-plugin: 5 s each). */
export const BROKER_WAIT_MS = 5000;

/**
 * The host side of go-plugin's gRPC broker: extra connections between host and plugin,
 * identified by numeric ids carried in application messages.
 */
export interface PluginBroker {
  /** True when the plugin serves `plugin.GRPCBroker` (minimal non-Go plugins may not). */
  readonly available: boolean;
  /** A fresh id for a service this host will accept on (1, 2, 3...). */
  nextId(): number;
  /**
   * Serves a gRPC server of ours under `id`: listens on a new private socket, tells the
   * plugin where, and serves until the broker closes. `register` adds the services.
   * Resolves with the socket path announced in the ConnInfo.
   */
  acceptAndServe(id: number, register: (server: grpc.Server) => void): Promise<string>;
  /** Dials a service the plugin announced under `id` (waits up to 5 s for the announcement). */
  dial(id: number, timeoutMs?: number): Promise<grpc.Client>;
  /** Closes the stream, every brokered server and every dialed client. */
  close(): Promise<void>;
}

interface Parked {
  readonly info: ConnInfo;
  readonly timer: NodeJS.Timeout;
}

/** Opens the broker stream on a connected plugin and returns the broker. */
export function startBroker(options: {
  client: grpc.Client;
  socketDir: string;
  tls: MutualTls | undefined;
  logger: Logger;
  maxMessageBytes?: number;
}): PluginBroker {
  const { client, socketDir, tls, logger } = options;
  const rpc = createRpcClient(GRPCBroker, client);
  const stream: BidiStream<typeof ConnInfoSchema, typeof ConnInfoSchema> = rpc.startStream();
  const parked = new Map<number, Parked>();
  const waiters = new Map<number, Array<(info: ConnInfo) => void>>();
  const servers = new Set<grpc.Server>();
  const dialed = new Set<grpc.Client>();
  let lastId = 0;
  let available = true;
  let closed = false;
  let failure: PolyplugError | undefined;

  const receive = (info: ConnInfo) => {
    if (info.knock) {
      logger.warn({ serviceId: info.serviceId }, "plugin sent a broker multiplexing knock, but multiplexing was not requested; ignored");
      return;
    }
    const pending = waiters.get(info.serviceId);
    if (pending && pending.length > 0) {
      pending.shift()?.(info);
      return;
    }
    if (parked.has(info.serviceId)) return; // go-plugin keeps one per id and drops extras
    const timer = setTimeout(() => parked.delete(info.serviceId), BROKER_WAIT_MS);
    timer.unref();
    parked.set(info.serviceId, { info, timer });
  };

  void (async () => {
    try {
      for await (const info of stream.responses) receive(info);
    } catch (reason) {
      const grpcStatus = reason instanceof PolyplugError ? reason.details.grpcStatus : undefined;
      if (grpcStatus === "UNIMPLEMENTED") {
        available = false;
        logger.debug("plugin does not serve plugin.GRPCBroker; the broker is unavailable");
      } else if (!closed) {
        logger.debug({ err: reason }, "broker stream ended");
      }
      failure = new PolyplugError(ErrorCode.BrokerFailed, grpcStatus === "UNIMPLEMENTED" ? "the plugin does not serve plugin.GRPCBroker" : "the broker stream to the plugin has ended", {
        cause: reason,
      });
    }
  })();

  const awaitInfo = (id: number, timeoutMs: number): Promise<ConnInfo> => {
    const ready = parked.get(id);
    if (ready) {
      clearTimeout(ready.timer);
      parked.delete(id);
      return Promise.resolve(ready.info);
    }
    return new Promise((resolve, reject) => {
      const list = waiters.get(id) ?? [];
      const timer = setTimeout(() => {
        list.splice(list.indexOf(done), 1);
        reject(failure ?? new PolyplugError(ErrorCode.BrokerFailed, `timeout waiting for connection info for broker id ${id} (the plugin did not announce it within ${timeoutMs} ms)`));
      }, timeoutMs);
      const done = (info: ConnInfo) => {
        clearTimeout(timer);
        resolve(info);
      };
      list.push(done);
      waiters.set(id, list);
    });
  };

  return {
    get available() {
      return available;
    },
    nextId: () => ++lastId,
    async acceptAndServe(id, register) {
      if (failure) throw failure;
      const limit = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
      const server = new grpc.Server({ "grpc.max_receive_message_length": limit, "grpc.max_send_message_length": limit });
      register(server);
      const address = join(socketDir, `host-broker-${id}.sock`);
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(`unix://${address}`, serverCredentials(tls), (error) => (error ? reject(error) : resolve())),
      ).catch((cause: unknown) => {
        throw new PolyplugError(ErrorCode.BrokerFailed, `could not listen for broker id ${id} at ${address}`, { cause });
      });
      // A sandboxed plugin runs under its own uid; the 0700 socket dir it owns is what keeps others out.
      await chmod(address, 0o666).catch(() => undefined);
      servers.add(server);
      stream.send(create(ConnInfoSchema, { serviceId: id, network: "unix", address }));
      return address;
    },
    async dial(id, timeoutMs = BROKER_WAIT_MS) {
      if (failure) throw failure;
      const info = await awaitInfo(id, timeoutMs);
      if (info.network !== "unix" && info.network !== "tcp") {
        throw new PolyplugError(ErrorCode.BrokerFailed, `broker id ${id} was announced with unknown network ${JSON.stringify(info.network)}`);
      }
      const listen: ListenAddress = { network: info.network, address: info.address };
      const brokered = createGrpcClient(listen, tls, options.maxMessageBytes);
      try {
        await waitForConnection(brokered, listen, timeoutMs, tls !== undefined);
      } catch (error) {
        brokered.close(); // as the SDK's broker does: a failed dial leaves no channel reconnecting
        throw error;
      }
      dialed.add(brokered);
      return brokered;
    },
    async close() {
      if (closed) return;
      closed = true;
      stream.end();
      stream.cancel();
      for (const { timer } of parked.values()) clearTimeout(timer);
      parked.clear();
      for (const brokered of dialed) brokered.close();
      for (const server of servers) server.forceShutdown();
    },
  };
}
