import * as grpc from "@grpc/grpc-js";
import { MAX_MESSAGE_BYTES, serverCredentials, type ListenAddress } from "./channel.js";
import { formatHandshakeLine } from "./handshake.js";
import { POLYPLUG_HANDSHAKE, type HandshakeConfig } from "./handshake-config.js";
import type { Logger } from "../logger.js";
import { setupAutoMtls } from "./auto-mtls.js";
import { createBroker, type PluginSideBroker } from "./plugin-broker.js";
import { checkMagicCookie } from "./cookie.js";
import { announceReattach, debugEnabled } from "./debug-mode.js";
import { addGoPluginServices } from "./core-services.js";
import { bindPluginServer, listenerConfigFromEnv, removeSockets, StartupError } from "./listener.js";
import { negotiateVersion } from "./negotiate.js";
import { watchProcess } from "./process-watch.js";
import { installStdoutGuard, writeHandshakeLine } from "./stdout-guard.js";

/** Options of `serveGoPlugin`. */
export interface ServeGoPluginOptions {
  /** Cookie and the app protocol versions this plugin supports (default: Polyplug's, version 1). */
  readonly handshake?: HandshakeConfig;
  /** Adds the application services for the negotiated version to the main server. */
  readonly register: (
    server: grpc.Server,
    context: { readonly version: number; readonly broker: PluginSideBroker },
  ) => void;
  /** Where the SDK's own records go (hclog JSON on stderr). */
  readonly logger: Logger;
  /** Called (and awaited, at most 1 s) before the process exits after Shutdown or parent death. */
  readonly beforeExit?: () => Promise<void> | void;
  readonly env?: NodeJS.ProcessEnv;
}

/** A running go-plugin plugin server. */
export interface GoPluginServer {
  readonly version: number;
  readonly address: ListenAddress;
  readonly mtls: boolean;
  readonly broker: PluginSideBroker;
  /** Stops the server and exits the process with `code`. */
  stop(code?: number): Promise<never>;
}

/**
 * Runs the plugin side of go-plugin's gRPC protocol: cookie check (exit 1 with go-plugin's
 * message), version negotiation, listener, AutoMTLS, health/controller/stdio/broker, the
 * handshake line on the real fd 1, SIGINT ignored, exit when the parent dies. Start-up
 * problems are written to stderr and exit with status 1. With POLYPLUG_DEBUG=1 (debug-mode.ts)
 * it skips the cookie, AutoMTLS, the stdout guard and the parent watch, and prints a reattach
 * configuration instead of the handshake line.
 */
export async function serveGoPlugin(options: ServeGoPluginOptions): Promise<GoPluginServer> {
  const env = options.env ?? process.env;
  const handshake = options.handshake ?? POLYPLUG_HANDSHAKE;
  const log = options.logger;
  const parent = process.ppid; // recorded at start (§6), watched after the handshake
  const debugging = debugEnabled(env);
  if (!debugging) {
    installStdoutGuard();
    checkMagicCookie(handshake.magicCookieKey, handshake.magicCookieValue, env);
  }
  process.on("exit", removeSockets);
  try {
    const negotiated = negotiateVersion(env.PLUGIN_PROTOCOL_VERSIONS, handshake.protocolVersions);
    for (const entry of negotiated.invalid) log.warn(`server sent invalid plugin version ${JSON.stringify(entry)}`);
    if (!negotiated.matched)
      log.warn("the host offers none of this plugin's protocol versions; announcing the lowest", {
        offered: env.PLUGIN_PROTOCOL_VERSIONS ?? "",
        supported: handshake.protocolVersions.join(","),
      });
    const listener = listenerConfigFromEnv(env);
    const autoMtls = debugging ? undefined : await setupAutoMtls(env.PLUGIN_CLIENT_CERT);
    const broker = createBroker({ tls: autoMtls?.tls, listener, onWarning: (message) => log.warn(message) });
    const server = new grpc.Server({
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    });
    let stopping: Promise<never> | undefined;
    const stop = (code = 0): Promise<never> => {
      stopping ??= (async () => {
        const hook = Promise.resolve()
          .then(() => options.beforeExit?.())
          .catch(() => undefined);
        await Promise.race([hook, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        broker.close();
        server.forceShutdown();
        process.exit(code);
      })();
      return stopping;
    };
    addGoPluginServices(server, { broker, shutdown: () => void stop(0) });
    options.register(server, { version: negotiated.version, broker });
    const address = await bindPluginServer(server, serverCredentials(autoMtls?.tls), listener);
    log.debug("plugin address", { network: address.network, address: address.address });
    if (debugging) {
      announceReattach(negotiated.version, address.network, address.address);
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop(0));
      return { version: negotiated.version, address, mtls: false, broker, stop };
    }
    writeHandshakeLine(
      formatHandshakeLine({
        appProtocolVersion: negotiated.version,
        network: address.network,
        address: address.address,
        serverCertField: autoMtls?.handshakeField,
      }),
    );
    watchProcess({
      parent,
      onSigint: (count) => log.trace("plugin received interrupt signal, ignoring", { count }),
      onOrphaned: (parent) => {
        log.info("the host process is gone (plugin was re-parented); exiting", { former_parent_pid: parent });
        void stop(0);
      },
    });
    return { version: negotiated.version, address, mtls: autoMtls !== undefined, broker, stop };
  } catch (error) {
    const message =
      error instanceof StartupError
        ? error.message
        : `plugin failed to start: ${(error as Error)?.message ?? String(error)}`;
    log.error(message);
    process.exit(1);
  }
}
