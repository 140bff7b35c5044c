import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  createGrpcClient,
  MAX_MESSAGE_BYTES,
  serverCredentials,
  waitForConnection,
  type ListenAddress,
  type MutualTls,
} from "./channel.js";
import { ConnInfoSchema, type ConnInfo } from "../gen/plugin/grpc_broker_pb.js";
import { ErrorCode, PolyplugError } from "../errors.js";

/** How long a dial waits for the peer to announce an id, and how long an unclaimed announcement is kept (go-plugin: 5 s each). */
export const BROKER_WAIT_MS = 5000;

/**
 * go-plugin's gRPC broker, one for both sides (as go-plugin's single `GRPCBroker`): extra
 * connections between host and plugin, identified by numeric ids carried in application
 * messages. The side-specific part is only the `StartStream` end it holds (host-broker.ts,
 * plugin-broker.ts).
 */
export interface GoPluginBroker {
  /** A fresh id for a service this side will accept on (1, 2, 3...). */
  nextId(): number;
  /**
   * Serves a new gRPC server (services added by `register`) under `id`: listens on a new
   * listener, announces it to the peer, and serves until the broker closes. Resolves with
   * the address announced in the ConnInfo.
   */
  acceptAndServe(id: number, register: (server: grpc.Server) => void): Promise<string>;
  /** Dials a service the peer announced under `id` (waits up to `timeoutMs`, 5 s, for the announcement). */
  dial(id: number, timeoutMs?: number): Promise<grpc.Client>;
}

/** The broker plus what its stream end feeds it. */
export interface BrokerCore extends GoPluginBroker {
  /** A ConnInfo received from the peer. */
  receive(info: ConnInfo): void;
  /** The stream is gone for good: dials and accepts fail with `error` from now on. */
  fail(error: PolyplugError): void;
  /** Closes every dialed client and brokered server. */
  close(): void;
}

/** What differs between the two sides. */
export interface BrokerCoreOptions {
  /** The main connection's AutoMTLS material: brokered connections use the same. */
  readonly tls: MutualTls | undefined;
  /** Largest gRPC message on brokered connections (default MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes?: number | undefined;
  /** Who announces ids to this side, for messages ("plugin" or "host"). */
  readonly peer: string;
  /**
   * Keep every received ConnInfo for the life of the broker so an id can be dialed again
   * (what proto/README §5.4 asks of SDKs, for the GatewayAPI); false: go-plugin's rule, one
   * dial per announcement and an unclaimed one dropped after 5 s (the host side).
   */
  readonly keepAnnouncements: boolean;
  /** Binds a brokered server to a new listener with `credentials` (the main connection's, proto/README §5.4) and returns where it listens. */
  readonly listen: (server: grpc.Server, id: number, credentials: grpc.ServerCredentials) => Promise<ListenAddress>;
  /** Sends a ConnInfo to the peer on the broker stream. */
  readonly send: (info: ConnInfo) => void;
  readonly onWarning?: ((message: string) => void) | undefined;
  /**
   * Settles when the connection the broker stream runs on is up (or failed): a dial waits for
   * it before its own timeout starts, so a peer without a broker is known by then.
   */
  readonly streamReady?: Promise<unknown> | undefined;
}

interface Parked {
  readonly info: ConnInfo;
  readonly timer: NodeJS.Timeout | undefined;
}

/** The broker's state and rules; the side's stream end calls `receive` and `fail`. */
export function createBrokerCore(options: BrokerCoreOptions): BrokerCore {
  const { tls, peer } = options;
  const limit = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const parked = new Map<number, Parked>();
  const waiters = new Map<number, Array<(info: ConnInfo) => void>>();
  const servers = new Set<grpc.Server>();
  const dialed = new Set<grpc.Client>();
  let lastId = 0;
  let failure: PolyplugError | undefined;

  const receive = (info: ConnInfo) => {
    if (info.knock) {
      options.onWarning?.(
        `the ${peer} sent a broker multiplexing knock for id ${info.serviceId}, but multiplexing is not supported; ignored`,
      );
      return;
    }
    const pending = waiters.get(info.serviceId) ?? [];
    if (options.keepAnnouncements) {
      parked.set(info.serviceId, { info, timer: undefined });
      for (const resolve of pending.splice(0)) resolve(info);
      return;
    }
    if (pending.length > 0) {
      pending.shift()?.(info);
      return;
    }
    if (parked.has(info.serviceId)) return; // go-plugin keeps one per id and drops extras
    const timer = setTimeout(() => parked.delete(info.serviceId), BROKER_WAIT_MS);
    timer.unref();
    parked.set(info.serviceId, { info, timer });
  };

  const awaitInfo = (id: number, timeoutMs: number): Promise<ConnInfo> => {
    const ready = parked.get(id);
    if (ready) {
      if (!options.keepAnnouncements) {
        clearTimeout(ready.timer);
        parked.delete(id);
      }
      return Promise.resolve(ready.info);
    }
    return new Promise((resolve, reject) => {
      const list = waiters.get(id) ?? [];
      const done = (info: ConnInfo) => {
        clearTimeout(timer);
        resolve(info);
      };
      const timer = setTimeout(() => {
        list.splice(list.indexOf(done), 1);
        reject(
          failure ??
            new PolyplugError(
              ErrorCode.BrokerFailed,
              `no connection info for broker id ${id}: the ${peer} did not announce it within ${timeoutMs} ms`,
            ),
        );
      }, timeoutMs);
      list.push(done);
      waiters.set(id, list);
    });
  };

  return {
    receive,
    fail(error) {
      failure ??= error;
    },
    nextId: () => ++lastId,
    async acceptAndServe(id, register) {
      if (failure) throw failure;
      const server = new grpc.Server({
        "grpc.max_receive_message_length": limit,
        "grpc.max_send_message_length": limit,
        "grpc.enable_channelz": 0, // as the channels (channel.ts): per-server traces nothing reads
      });
      register(server);
      const listen = await options.listen(server, id, serverCredentials(tls)).catch((cause: unknown) => {
        throw new PolyplugError(
          ErrorCode.BrokerFailed,
          `could not listen for broker id ${id}: ${(cause as Error).message}`,
          { cause },
        );
      });
      servers.add(server);
      options.send(create(ConnInfoSchema, { serviceId: id, network: listen.network, address: listen.address }));
      return listen.address;
    },
    async dial(id, timeoutMs = BROKER_WAIT_MS) {
      await options.streamReady;
      if (failure) throw failure;
      const info = await awaitInfo(id, timeoutMs);
      if (info.network !== "unix" && info.network !== "tcp") {
        throw new PolyplugError(
          ErrorCode.BrokerFailed,
          `broker id ${id} was announced with unknown network ${JSON.stringify(info.network)}`,
        );
      }
      const listen: ListenAddress = { network: info.network, address: info.address };
      const brokered = createGrpcClient(listen, tls, limit);
      try {
        await waitForConnection(brokered, listen, timeoutMs, tls !== undefined, peer);
      } catch (error) {
        brokered.close(); // a failed dial leaves no channel reconnecting in the background
        const cause = PolyplugError.from(error);
        throw new PolyplugError(cause.code, `broker id ${id}: ${cause.message}`, { cause, details: cause.details });
      }
      dialed.add(brokered);
      return brokered;
    },
    close() {
      for (const { timer } of parked.values()) clearTimeout(timer);
      parked.clear();
      for (const brokered of dialed) brokered.close();
      for (const server of servers) server.forceShutdown();
      dialed.clear();
      servers.clear();
    },
  };
}
