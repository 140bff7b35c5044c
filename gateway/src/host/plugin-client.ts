import type * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { GRPCController } from "@polyplug/sdk/internal/gen/plugin/grpc_controller_pb.js";
import {
  createRpcClient,
  useUnaryTransport,
  type RpcClient,
  type RpcTarget,
} from "@polyplug/sdk/internal/rpc/client.js";
import { resolvePluginTransport, type PluginTransport } from "../rpc/plugin-transport.js";
import { createPluginUnaryTransport } from "../rpc/plugin-unary-transport.js";
import { startBroker, type PluginBroker } from "@polyplug/sdk/internal/goplugin/host-broker.js";
import { connectWithin } from "./connect-unary.js";
import { createStreamsGate } from "./streams-gate.js";
import { readStdio } from "@polyplug/sdk/internal/goplugin/stdio.js";
import { listenInSocketDir } from "./broker-socket.js";
import {
  createGrpcClient,
  MAX_MESSAGE_BYTES,
  type ListenAddress,
  type MutualTls,
} from "@polyplug/sdk/internal/goplugin/channel.js";
import type { HandshakeLine } from "@polyplug/sdk/internal/goplugin/handshake.js";
import { checkHealth, type HealthStatus } from "./health.js";
import { describeExit, withOutputTail, type ExitInfo } from "./launch.js";
import type { PluginLogSink } from "./plugin-log.js";
import type { ProcessHandle } from "./process-handle.js";
import {
  DEFAULT_SHUTDOWN_TIMEOUTS,
  escalateUntilExit,
  type ShutdownOutcome,
  type ShutdownTimeouts,
} from "./shutdown.js";
import type { SocketDir } from "@polyplug/sdk/internal/goplugin/socket-dir.js";
import { createLineSplitter } from "./line-splitter.js";

/** What go-plugin calls a ReattachConfig: enough to connect to a running plugin again. */
export interface ReattachConfig {
  readonly protocol: "grpc";
  readonly protocolVersion: number;
  readonly network: "unix" | "tcp";
  readonly address: string;
  readonly pid: number;
  /** When true the host never stops the process (a plugin in a debugger). */
  readonly test: boolean;
}

/** A connected go-plugin plugin. */
export interface PluginClient {
  /** The handshake as the plugin announced it (for reattached plugins: as configured). */
  readonly handshake: HandshakeLine;
  readonly pid: number | undefined;
  /** True when the connection uses AutoMTLS. */
  readonly mtls: boolean;
  /** The AutoMTLS material of the connection (undefined: plaintext); public-port workers connect with it too. */
  readonly tls: MutualTls | undefined;
  /** Milliseconds from spawn to a ready connection (0 for reattached plugins). */
  readonly startupMs: number;
  /**
   * A grpc-js client for the plugin, built on first use: unary calls go over the plugin's one connection, streaming
   * calls (ServeHTTP) over a grpc-js connection of their own. Prefer `client(service)` for typed calls.
   */
  readonly grpcClient: grpc.Client;
  /** A typed client for an application service served by the plugin. */
  client<S extends DescService>(service: S): RpcClient<S>;
  /** go-plugin's broker, for callbacks in both directions. */
  readonly broker: PluginBroker;
  /** `grpc.health.v1.Health/Check` for service `plugin`. */
  health(timeoutMs?: number): Promise<HealthStatus>;
  /** Set when the process has exited. */
  readonly exitInfo: ExitInfo | undefined;
  /** Resolves when the process exits: `error` is set unless the exit was requested. */
  readonly exited: Promise<{ readonly info: ExitInfo; readonly error: PolyplugError | undefined }>;
  /** The last output lines (stderr, stdout and stdio), oldest first. */
  stderrTail(): string[];
  /** Connection details for `reattachPlugin`. */
  reattachConfig(): ReattachConfig;
  /**
   * Stops the plugin: closes the broker, calls GRPCController/Shutdown, waits, then
   * SIGTERM, waits, then SIGKILL. Removes the private socket directory. Idempotent.
   */
  shutdown(timeouts?: Partial<ShutdownTimeouts>): Promise<ShutdownOutcome>;
  /**
   * Stops the plugin now: SIGKILL (unless reattached in test mode), then the same clean-up
   * as `shutdown` (broker listeners, connections, socket directory) without waiting.
   */
  kill(): Promise<void>;
}

/** Everything `connectPlugin` needs once a process and its listen address are known. */
export interface ConnectParams {
  readonly handshake: HandshakeLine;
  readonly process: ProcessHandle;
  readonly sink: PluginLogSink;
  readonly socketDir: SocketDir;
  readonly tls: MutualTls | undefined;
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  readonly startedAt: number;
  /** False for a reattached plugin in test mode: never signal it. */
  readonly ownsProcess: boolean;
  readonly maxMessageBytes: number | undefined;
  /** Client for unary calls (default: $POLYPLUG_PLUGIN_TRANSPORT, else `h2`). */
  readonly pluginTransport?: PluginTransport;
}

/** Connects to the plugin, opens the broker and stdio streams on that connection, and wires exit detection. */
export async function connectPlugin(params: ConnectParams): Promise<PluginClient> {
  const { handshake, process: handle, sink, logger } = params;
  const listen: ListenAddress = { network: handshake.network, address: handshake.address };
  const maxMessageBytes = params.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  // Hooks, health, Shutdown, and the broker and stdio streams take Polyplug's raw HTTP/2 client (rpc/h2, or the node:http2
  // fallback) on ONE connection per plugin: connected = the plugin's HTTP/2 server answered on it. A grpc-js channel (a
  // second connection, its own nghttp2 session, timers and call objects) cost ~0.1 MiB per plugin and made the GatewayAPI's
  // broker wait for it at activation (#17); it is built only for ServeHTTP (flow control) or when asked for `grpcClient`.
  const unary = createPluginUnaryTransport(resolvePluginTransport(params.pluginTransport), {
    listen,
    tls: params.tls,
    maxMessageBytes,
  });
  const connecting = new AbortController();
  const unaryConnected = connectWithin(
    unary,
    listen,
    params.connectTimeoutMs,
    params.tls !== undefined,
    connecting.signal,
  );
  let grpcClient: grpc.Client | undefined;
  let stopping = false;
  const exitedBeforeReady = handle.exit.then((info) => {
    throw new PolyplugError(
      ErrorCode.PluginExited,
      withOutputTail(`plugin exited while connecting (${describeExit(info)})`, sink.tail()),
    );
  });
  try {
    await Promise.race([unaryConnected, exitedBeforeReady]);
  } catch (error) {
    connecting.abort();
    unaryConnected.catch(() => undefined);
    unary.close();
    throw error;
  }
  exitedBeforeReady.catch(() => undefined);
  const startupMs = Date.now() - params.startedAt;

  // The broker and stdio streams start once the first call has been answered (or the broker is used), as go-plugin's
  // host starts them in goroutines beside its first call: opening them first delayed the first health check or hook.
  let streams: { broker: PluginBroker; stopStdio: () => void } | undefined;
  const gate = createStreamsGate(unary, () => {
    streams = {
      broker: startBroker({
        client: gate.unary,
        tls: params.tls,
        listen: (server, id, credentials) => listenInSocketDir(params.socketDir.path, server, id, credentials),
        logger,
        maxMessageBytes,
      }),
      stopStdio: consumeStdio(gate.unary, sink, logger),
    };
  });
  const calls = gate.unary;
  const grpcStreams = (): grpc.Client => {
    if (!grpcClient) {
      grpcClient = createGrpcClient(listen, params.tls, maxMessageBytes);
      useUnaryTransport(grpcClient, calls);
      if (shutdownPromise) grpcClient.close();
    }
    return grpcClient;
  };
  const openBroker = (): PluginBroker => {
    gate.open();
    if (!streams) throw new PolyplugError(ErrorCode.BrokerFailed, "the plugin is stopping: its broker is closed");
    return streams.broker;
  };
  const broker: PluginBroker = {
    get available() {
      return streams?.broker.available ?? true;
    },
    nextId: () => openBroker().nextId(),
    acceptAndServe: async (id, register) => openBroker().acceptAndServe(id, register),
    dial: async (id, timeoutMs) => openBroker().dial(id, timeoutMs),
    close: async () => {
      gate.cancel();
      await streams?.broker.close();
    },
  };
  const stopStdio = (): void => {
    gate.cancel();
    streams?.stopStdio();
  };

  const exited = handle.exit.then((info) => {
    sink.flush();
    const expected = stopping;
    if (!expected) logger.error({ exit: info }, `plugin process exited unexpectedly (${describeExit(info)})`);
    else logger.debug({ exit: info }, "plugin process exited");
    const error = expected
      ? undefined
      : new PolyplugError(
          ErrorCode.PluginExited,
          withOutputTail(`plugin exited unexpectedly (${describeExit(info)})`, sink.tail()),
          {
            details: { exitCode: info.exitCode, signal: info.signal, stderr: sink.tail() },
          },
        );
    // A plugin that died on its own: release its broker listeners, connections and socket
    // directory at once, not when the gateway stops (nothing else would release them).
    if (!expected) void release({ gracefulMs: 0, terminateMs: 0 });
    return { info, error };
  });

  let shutdownPromise: Promise<ShutdownOutcome> | undefined;
  const shutdown = async (timeouts: Partial<ShutdownTimeouts> = {}): Promise<ShutdownOutcome> => {
    stopping = true;
    const limits = { ...DEFAULT_SHUTDOWN_TIMEOUTS, ...timeouts };
    const alreadyExited = handle.exitInfo !== undefined;
    stopStdio();
    await broker.close();
    // A plugin reattached in test mode belongs to whoever started it (a debugger): leave it running.
    if (!alreadyExited && params.ownsProcess) {
      try {
        await createRpcClient(GRPCController, calls).shutdown({}, { deadline: limits.gracefulMs });
      } catch {
        // go-plugin plugins stop their server hard, so the reply often never arrives.
      }
    }
    grpcClient?.close();
    unary.close();
    let outcome: ShutdownOutcome = "already-exited";
    if (!alreadyExited) outcome = params.ownsProcess ? await escalateUntilExit(handle, limits) : "detached";
    await params.socketDir.dispose();
    return outcome;
  };

  const release = (timeouts: Partial<ShutdownTimeouts>): Promise<ShutdownOutcome> => {
    shutdownPromise ??= shutdown(timeouts);
    return shutdownPromise;
  };

  return {
    handshake,
    pid: handle.pid,
    mtls: params.tls !== undefined,
    tls: params.tls,
    startupMs,
    get grpcClient() {
      return grpcStreams();
    },
    // Hooks over the one connection; ServeHTTP on grpc-js (made on first use), whose flow control holds a plugin's body
    // while a slow HTTP client reads it (the transport's streams read eagerly: right for the broker and stdio only).
    client: (service) => createRpcClient(service, calls, grpcStreams),
    broker,
    health: (timeoutMs) => checkHealth(calls, timeoutMs),
    get exitInfo() {
      return handle.exitInfo;
    },
    exited,
    stderrTail: () => sink.tail(),
    reattachConfig: () => ({
      protocol: "grpc",
      protocolVersion: handshake.appProtocolVersion,
      network: handshake.network,
      address: handshake.address,
      pid: handle.pid ?? 0,
      test: !params.ownsProcess,
    }),
    shutdown: release,
    async kill() {
      stopping = true;
      if (params.ownsProcess && handle.exitInfo === undefined) handle.kill("SIGKILL");
      await release({ gracefulMs: 0, terminateMs: 0 });
    },
  };
}

/**
 * Drains the plugin's GRPCStdio stream into the log sink, line by line per channel. Plugins
 * that do not serve it, and the stream ending with the plugin, are normal.
 */
function consumeStdio(client: RpcTarget, sink: PluginLogSink, logger: Logger): () => void {
  const lines = {
    stdout: createLineSplitter((line, partial) => sink.line("grpc-stdout", line, partial)),
    stderr: createLineSplitter((line, partial) => sink.line("grpc-stderr", line, partial)),
  };
  return readStdio(client, {
    data: (channel, bytes) => lines[channel].push(bytes),
    unknownChannel: (channel) => logger.warn({ channel }, "plugin sent stdio data on an unknown channel; dropped"),
    failed: (reason) => logger.debug({ err: reason }, "plugin stdio stream ended with an error"),
    end: () => {
      lines.stdout.end();
      lines.stderr.end();
    },
  });
}
