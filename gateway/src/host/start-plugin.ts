import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import {
  generateAutoMtlsCertificate,
  serverCertificateToPem,
} from "@polyplug/sdk/internal/goplugin/mtls-certificate.js";
import type { MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";
import { buildPluginEnvironment, DEFAULT_MAX_PORT, DEFAULT_MIN_PORT, validateHandshakeConfig } from "./environment.js";
import {
  checkAppProtocolVersion,
  parseHandshakeLine,
  type HandshakeLine,
} from "@polyplug/sdk/internal/goplugin/handshake.js";
import { POLYPLUG_HANDSHAKE, type HandshakeConfig } from "@polyplug/sdk/internal/goplugin/handshake-config.js";
import { launchPluginProcess } from "./launch.js";
import type { PluginClient } from "./plugin-client.js";
import { silentLogger } from "./silent-logger.js";
import { createPluginLogSink, type LogRateLimit } from "./plugin-log.js";
import type { PluginSandbox } from "./sandbox/plugin-sandbox.js";
import { createSocketDir } from "@polyplug/sdk/internal/goplugin/socket-dir.js";
import { resolvePluginTransport, type PluginTransport } from "../rpc/plugin-transport.js";

/** go-plugin's default start timeout: spawn to handshake line. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Options of `startPlugin`. Only `command` is required. */
export interface StartPluginOptions {
  /** Executable to run (no shell is involved). */
  readonly command: string;
  /** Arguments passed to `command` as they are (default none). */
  readonly args?: readonly string[];
  /** Working directory of the plugin process (default: the host's). */
  readonly cwd?: string;
  /** Magic cookie and offered app versions (default: Polyplug's). */
  readonly handshake?: HandshakeConfig;
  /** Extra environment variables; go-plugin's variables still override them. */
  readonly env?: Readonly<Record<string, string>>;
  /** Pass the host's whole environment, as go-plugin does (default false: PATH, HOME, locale, TMPDIR only). */
  readonly inheritEnv?: boolean;
  /** AutoMTLS: host and plugin exchange fresh certificates and verify each other (default false). */
  readonly autoMtls?: boolean;
  /** Spawn-to-handshake limit in ms (default DEFAULT_START_TIMEOUT_MS, 60 000); must be > 0. */
  readonly startTimeoutMs?: number;
  /** Lowest port a TCP plugin may pick (PLUGIN_MIN_PORT; default 10000); integer, 1 ≤ minPort ≤ maxPort. */
  readonly minPort?: number;
  /** Highest port a TCP plugin may pick (PLUGIN_MAX_PORT; default 25000); integer, minPort ≤ maxPort ≤ 65535. */
  readonly maxPort?: number;
  /** Parent of the private socket directory (default: the OS temp dir). */
  readonly socketDirBase?: string;
  /** Where plugin output and host events are logged (default: silent). */
  readonly logger?: Logger;
  /** Plugin log flood protection (default DEFAULT_LOG_RATE_LIMIT: 1000 lines/s, bursts of 2000). */
  readonly logRateLimit?: LogRateLimit;
  /** Aborting it ends a start in progress: the process is killed and startPlugin rejects with `cancelled`. */
  readonly signal?: AbortSignal;
  /** Largest gRPC message accepted from or sent to the plugin (default MAX_MESSAGE_BYTES, the contract's 16 MiB). */
  readonly maxMessageBytes?: number;
  /**
   * Confines the process (sandbox, cgroup limits, process group); absent: a plain child
   * process, as go-plugin's host starts it. Failing to prepare fails the start.
   */
  readonly sandbox?: PluginSandbox;
  /** Client for unary calls: `h2` (default) or the `node-http2` fallback; unset: $POLYPLUG_PLUGIN_TRANSPORT, else `h2`. */
  readonly pluginTransport?: PluginTransport;
}

function validate(options: StartPluginOptions): { minPort: number; maxPort: number; startTimeoutMs: number } {
  if (!options.command) throw new PolyplugError(ErrorCode.InvalidArgument, "no plugin command given");
  const minPort = options.minPort ?? DEFAULT_MIN_PORT;
  const maxPort = options.maxPort ?? DEFAULT_MAX_PORT;
  if (!Number.isInteger(minPort) || !Number.isInteger(maxPort) || minPort < 1 || maxPort > 65535 || minPort > maxPort) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `invalid port range ${minPort}–${maxPort}: need integers with 1 ≤ min ≤ max ≤ 65535`,
    );
  }
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!(startTimeoutMs > 0))
    throw new PolyplugError(ErrorCode.InvalidArgument, `start timeout must be positive, got ${startTimeoutMs}`);
  return { minPort, maxPort, startTimeoutMs };
}

function tlsFor(
  handshake: HandshakeLine,
  host: { certPem: string; keyPem: string } | undefined,
): MutualTls | undefined {
  if (!host) return undefined;
  if (!handshake.serverCertDer) {
    throw new PolyplugError(
      ErrorCode.TlsFailed,
      "AutoMTLS is on but the plugin's handshake line carries no server certificate (field 6 is empty): the plugin ignored PLUGIN_CLIENT_CERT. Use an SDK that supports AutoMTLS, or turn AutoMTLS off.",
    );
  }
  return { certPem: host.certPem, keyPem: host.keyPem, peerCertPem: serverCertificateToPem(handshake.serverCertDer) };
}

/**
 * Launches a go-plugin (gRPC) plugin and connects to it, exactly as go-plugin's own host
 * does: controlled environment with the magic cookie and offered versions, a private 0700
 * socket directory, strict handshake parsing, optional AutoMTLS, the broker and stdio
 * streams, and log capture. On any failure the process is killed, the directory removed,
 * and a PolyplugError says what went wrong (with the plugin's last stderr lines).
 */
export async function startPlugin(options: StartPluginOptions): Promise<PluginClient> {
  const { minPort, maxPort, startTimeoutMs } = validate(options);
  const pluginTransport = resolvePluginTransport(options.pluginTransport);
  const handshakeConfig = options.handshake ?? POLYPLUG_HANDSHAKE;
  validateHandshakeConfig(handshakeConfig);
  const logger = options.logger ?? silentLogger();
  const sink = createPluginLogSink({ logger, ...(options.logRateLimit ? { rateLimit: options.logRateLimit } : {}) });
  const hostCert = options.autoMtls ? await generateAutoMtlsCertificate() : undefined;
  const socketDir = await createSocketDir(options.socketDirBase);
  const startedAt = Date.now();
  const env = buildPluginEnvironment({
    handshake: handshakeConfig,
    minPort,
    maxPort,
    socketDir: socketDir.path,
    clientCertPem: hostCert?.certPem,
    extra: options.env ?? {},
    inheritEnv: options.inheritEnv ?? false,
    hostEnv: process.env,
  });
  const launch = { command: options.command, args: options.args ?? [] };
  let confined: Awaited<ReturnType<PluginSandbox["prepare"]>> | undefined;
  if (options.sandbox) {
    try {
      confined = await options.sandbox.prepare({
        ...launch,
        cwd: options.cwd ?? process.cwd(),
        socketDir: socketDir.path,
        env,
      });
    } catch (error) {
      await socketDir.dispose();
      throw PolyplugError.from(error);
    }
    logger.info({ confinement: confined.confinement.description }, "launching plugin confined");
  }
  const child = launchPluginProcess({
    command: confined?.command ?? launch.command,
    args: confined?.args ?? launch.args,
    cwd: options.cwd,
    startTimeoutMs,
    sink,
    env,
    confinement: confined?.confinement,
  });
  // The connection's code (grpc-js, the go-plugin services' descriptors, broker and stdio) is
  // evaluated while the plugin boots, not before it is spawned (issue 17, start → first answer).
  const clientCode = import("./plugin-client.js");
  clientCode.catch(() => undefined);
  // A stop while starting must not leave the process behind: abort races every step below.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(new PolyplugError(ErrorCode.Cancelled, "the plugin start was cancelled (the plugin is being stopped)"));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const line = await Promise.race([child.handshakeLine, aborted]);
    const handshake = parseHandshakeLine(line);
    checkAppProtocolVersion(handshake, handshakeConfig.protocolVersions);
    logger.debug({ handshake: line.trim() }, "plugin handshake received");
    const { connectPlugin } = await Promise.race([clientCode, aborted]);
    const remainingMs = Math.max(1000, startTimeoutMs - (Date.now() - startedAt));
    const connecting = connectPlugin({
      handshake,
      process: child,
      sink,
      socketDir,
      tls: tlsFor(handshake, hostCert),
      logger,
      connectTimeoutMs: remainingMs,
      startedAt,
      ownsProcess: true,
      maxMessageBytes: options.maxMessageBytes,
      pluginTransport,
    });
    try {
      return await Promise.race([connecting, aborted]);
    } catch (error) {
      // Connected after all: shut that connection down with the process.
      void connecting.then(
        (client) => client.kill(),
        () => undefined,
      );
      throw error;
    }
  } catch (error) {
    child.kill("SIGKILL");
    await child.exit.catch(() => undefined);
    await socketDir.dispose();
    throw PolyplugError.from(error);
  } finally {
    if (onAbort) options.signal?.removeEventListener("abort", onAbort);
  }
}
