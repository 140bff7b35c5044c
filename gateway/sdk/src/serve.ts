import { Plugin as PluginService } from "./gen/polyplug/v1/plugin_pb.js";
import { addRpcService } from "./rpc/server.js";
import type { Plugin } from "./define-plugin.js";
import { serveGoPlugin, type GoPluginServer } from "./goplugin/serve-go-plugin.js";
import { createLogger, type Logger } from "./logger.js";
import { createPluginHandlers } from "./plugin-service.js";

/** Options of `serve`. */
export interface ServeOptions {
  /** The SDK's own log (default: hclog JSON on stderr, `@module` "polyplug.sdk"). */
  readonly logger?: Logger;
  /** Environment to read the host's settings from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs `plugin` as a Polyplug plugin process: performs the go-plugin handshake with the
 * host that launched it and serves `polyplug.v1.Plugin` until the host shuts it down (or
 * dies). Run directly, without a host, it prints go-plugin's "This binary is a plugin"
 * message and exits with status 1. Resolves once serving. Unhandled promise rejections
 * in plugin code are logged (hclog, stderr) instead of ending the process.
 */
export function serve(plugin: Plugin, options: ServeOptions = {}): Promise<GoPluginServer> {
  const logger = options.logger ?? createLogger({ module: "polyplug.sdk" });
  // A forgotten `await` in a handler must not take the whole plugin down: log it instead.
  process.on("unhandledRejection", (reason) => {
    logger.error("unhandled promise rejection in plugin code", {
      error: reason instanceof Error ? reason.message : String(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  });
  return serveGoPlugin({
    logger,
    ...(options.env ? { env: options.env } : {}),
    register(server, { broker }) {
      addRpcService(server, PluginService, createPluginHandlers(plugin, { broker, logger }));
    },
  });
}
