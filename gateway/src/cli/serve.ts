import path from "node:path";
import type { Command } from "commander";
import { pino, type Logger } from "pino";
import { mkdir } from "node:fs/promises";
import { ensureAdminToken } from "../admin/auth.js";
import { startAdminServer, type AdminServer } from "../admin/admin-server.js";
import { PolyplugError } from "../errors.js";
import { createGateway, type Gateway } from "../runtime/gateway.js";
import { reattachConfigs } from "../runtime/reattach-plugins.js";
import { createLogTap } from "../runtime/log-tap.js";
import { parseListen, readServeConfig, type ServeConfig } from "../runtime/serve-config.js";
import { paint, type CliIo } from "./io.js";
import { chooseLogFormat, logStream } from "./log-format.js";

/** The options `serve` takes (flags; the config file fills what they leave out). */
export interface ServeOptions {
  config?: string;
  listen?: string;
  plugins?: string[];
  data?: string;
  logLevel?: string;
  automtls?: boolean;
  python?: string;
  adminListen?: string;
  logFormat?: string;
  reattach?: string[];
}

/** Registers `polyplug serve`. */
export function registerServe(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("serve")
    .description("run the gateway: supervise the plugins in the plugins folders and serve the public API")
    .option("-c, --config <file>", "config file (YAML or JSON); flags override it")
    .option("--listen <host:port>", "public API address (default 127.0.0.1:8080)")
    .option("--admin-listen <host:port>", "Admin API address (default 127.0.0.1:8081; token in <data>/admin-token)")
    .option("--plugins <dir...>", "plugins folder(s), each with one sub-folder per plugin (default ./plugins)")
    .option("--data <dir>", "state folder for the SQLite store (default ./.polyplug)")
    .option("--log-level <level>", "trace, debug, info, warn, error (default info)")
    .option("--no-automtls", "talk to plugins without AutoMTLS (plaintext over the private unix socket)")
    .option("--python <path>", "python executable for plugins whose manifest command starts with python")
    .option("--log-format <format>", "auto (pretty on a terminal, JSON otherwise), pretty or json")
    .option("--reattach <id=json...>", "attach to a plugin you started yourself (e.g. under a debugger) instead of launching it: PLUGIN_ID=go-plugin reattach JSON; also POLYPLUG_REATTACH_PLUGINS")
    .action(async (options: ServeOptions) => {
      setExitCode(await runServe(options, io));
    });
}

/** A gateway and its Admin API started from serve options, as `serve` and `dev` run them. */
export interface Serving {
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  readonly dataDir: string;
  readonly adminTokenFile: string;
  readonly logger: Logger;
}

/**
 * Reads the config file and flags, then starts the gateway and its Admin API. Logs go to
 * `io.logDestination`, pretty on a terminal and JSON otherwise unless `--log-format` says.
 */
export async function startServing(options: ServeOptions, io: CliIo): Promise<Serving> {
  let config: ServeConfig = {};
  if (options.config) config = await readServeConfig(options.config);
  const listen = parseListen(options.listen ?? config.listen ?? "127.0.0.1:8080");
  const adminListen = parseListen(options.adminListen ?? config.adminListen ?? "127.0.0.1:8081", "--admin-listen");
  const dataDir = path.resolve(options.data ?? config.dataDir ?? ".polyplug");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = await ensureAdminToken(dataDir);
  const level = options.logLevel ?? config.logLevel ?? "info";
  const logTap = createLogTap();
  const format = chooseLogFormat(options.logFormat ?? config.logFormat, io.logDestination);
  const destination = await logStream(format, io.logDestination, io.color);
  const logger = pino({ level }, pino.multistream([{ level: level === "silent" ? "fatal" : level, stream: destination }, { level: "trace", stream: logTap.stream }]));
  const interpreters = { ...config.interpreters, ...(options.python ? { python: path.resolve(options.python) } : {}) };
  const reattach = reattachConfigs(options.reattach ?? [], process.env.POLYPLUG_REATTACH_PLUGINS);
  const gateway = await createGateway({
    pluginsDirs: (options.plugins ?? config.pluginsDirs ?? ["plugins"]).map((dir) => path.resolve(dir)),
    dataDir,
    host: listen.host,
    port: listen.port,
    logger,
    logTap,
    autoMtls: options.automtls ?? config.autoMtls ?? true,
    interpreters,
    ...(config.policy ? { policy: config.policy } : {}),
    ...(reattach.size > 0 ? { reattach } : {}),
  });
  const admin = await startAdminServer({ gateway, ...adminListen, token: adminToken, logger }).catch(async (error: unknown) => {
    await gateway.stop();
    throw error;
  });
  return { gateway, admin, dataDir, adminTokenFile: adminToken.file, logger };
}

/** Stops the gateway and its Admin API (deactivating and stopping every plugin). */
export async function stopServing(serving: Pick<Serving, "gateway" | "admin" | "logger">): Promise<void> {
  serving.logger.info("shutting down: deactivating and stopping plugins");
  await serving.admin.close();
  await serving.gateway.stop();
}

/** Resolves once SIGINT or SIGTERM has stopped what is serving (a second SIGINT exits at once). */
export function untilStopped(serving: Pick<Serving, "gateway" | "admin" | "logger">, beforeStop?: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.once("SIGINT", () => process.exit(130));
      beforeStop?.();
      void stopServing(serving).then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

async function runServe(options: ServeOptions, io: CliIo): Promise<number> {
  const c = paint(io.color);
  try {
    const { gateway, admin, dataDir, adminTokenFile, logger } = await startServing(options, io);
    const plugins = gateway.plugins();
    io.err(
      [
        "",
        c.bold(`Polyplug gateway listening on ${gateway.url}`),
        ...plugins.map((p) => `  ${p.state === "active" ? c.green("●") : c.red("●")} ${p.pluginId} ${c.dim(p.version)} — ${p.state}${p.lastError ? ` (${p.lastError.message.split("\n")[0]})` : ""}`),
        ...gateway.brokenPlugins().map((b) => `  ${c.red("✖")} ${b.dir}: ${b.error.message.split("\n")[0]}`),
        "",
        `  public API   POST ${gateway.url}/polyplug.v1.Gateway/Intercept  (Connect JSON or gRPC)`,
        `  events       ${gateway.url.replace(/^http/, "ws")}/v1/events`,
        `  plugin HTTP  ${gateway.url}/plugins/{id}/...`,
        `  admin API    ${admin.url}  (npx polyplug status --url ${admin.url} --data ${path.relative(process.cwd(), dataDir) || "."})`,
        `  web console  ${admin.url}/console/  (sign in with the token in ${path.relative(process.cwd(), adminTokenFile) || adminTokenFile})`,
        `  metrics      ${admin.url}/metrics  (Prometheus; Authorization: Bearer <that token>)`,
        "",
        "Try it (a word filter rejects the message):",
        `  curl -s -X POST ${gateway.url}/polyplug.v1.Gateway/Intercept -H 'content-type: application/json' \\`,
        `    -d '{"topic":"message.will_be_posted","payload":{"message":"this is forbidden"}}'`,
        "",
      ].join("\n"),
    );
    await untilStopped({ gateway, admin, logger });
    return 0;
  } catch (error) {
    const failure = PolyplugError.from(error);
    io.err(`${c.red("✖ serve failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
    return 1;
  }
}
