import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";
import type { PluginClient, ReattachConfig } from "./plugin-client.js";
import { silentLogger } from "./silent-logger.js";
import { createPluginLogSink } from "./plugin-log.js";
import { watchForeignProcess } from "./process-handle.js";
import { createSocketDir } from "@polyplug/sdk/internal/goplugin/socket-dir.js";

/** Options of `reattachPlugin`. */
export interface ReattachOptions {
  readonly config: ReattachConfig;
  /** TLS material, when the plugin was started with AutoMTLS by someone who kept the host key. */
  readonly tls?: MutualTls;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
}

/**
 * Parses go-plugin's reattach JSON as Terraform uses it (`TF_REATTACH_PROVIDERS` values):
 * `{"Protocol":"grpc","ProtocolVersion":6,"Pid":123,"Test":true,"Addr":{"Network":"unix","String":"/path"}}`.
 */
export function parseReattachConfig(json: string): ReattachConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new PolyplugError(ErrorCode.InvalidArgument, "reattach config is not valid JSON", { cause });
  }
  const record = (value ?? {}) as Record<string, unknown>;
  const addr = (record.Addr ?? {}) as Record<string, unknown>;
  const fail = (what: string) => new PolyplugError(ErrorCode.InvalidArgument, `reattach config: ${what}`);
  const protocol = record.Protocol ?? "grpc";
  if (protocol !== "grpc") throw fail(`Protocol must be "grpc", got ${JSON.stringify(protocol)}`);
  if (addr.Network !== "unix" && addr.Network !== "tcp") throw fail('Addr.Network must be "unix" or "tcp"');
  if (typeof addr.String !== "string" || addr.String === "") throw fail("Addr.String (the address) is missing");
  if (!Number.isInteger(record.Pid) || (record.Pid as number) <= 0) throw fail("Pid must be a positive integer");
  const version = record.ProtocolVersion ?? 0;
  if (!Number.isInteger(version)) throw fail("ProtocolVersion must be an integer");
  return {
    protocol: "grpc",
    protocolVersion: version as number,
    network: addr.Network,
    address: addr.String,
    pid: record.Pid as number,
    test: record.Test === true,
  };
}

/**
 * Connects to a plugin that is already running (e.g. started by hand in a debugger):
 * checks the pid is alive and the address answers, then behaves like a launched plugin,
 * except that its liveness is polled and, in test mode, it is never signalled.
 */
export async function reattachPlugin(options: ReattachOptions): Promise<PluginClient> {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const handle = watchForeignProcess(config.pid);
  if (handle.probe?.() === false) {
    throw new PolyplugError(
      ErrorCode.ReattachFailed,
      `reattachment process not found: no process with pid ${config.pid}`,
    );
  }
  const socketDir = await createSocketDir();
  try {
    // Loaded on first use: `serve` imports this module for its reattach settings, not the connection's code.
    const { connectPlugin } = await import("./plugin-client.js");
    return await connectPlugin({
      handshake: {
        coreProtocolVersion: 1,
        appProtocolVersion: config.protocolVersion,
        network: config.network,
        address: config.address,
        protocol: "grpc",
        serverCertDer: undefined,
        multiplex: undefined,
      },
      process: handle,
      sink: createPluginLogSink({ logger }),
      socketDir,
      tls: options.tls,
      logger,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      startedAt: Date.now(),
      ownsProcess: !config.test,
      maxMessageBytes: undefined,
    });
  } catch (error) {
    await socketDir.dispose();
    const reason = PolyplugError.from(error);
    throw new PolyplugError(
      ErrorCode.ReattachFailed,
      `could not reattach to pid ${config.pid} at ${config.network}:${config.address}: ${reason.message}`,
      { cause: reason },
    );
  }
}
