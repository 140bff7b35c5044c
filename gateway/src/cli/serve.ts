import path from "node:path";
import type { Command } from "commander";
import { pino } from "pino";
import { mkdir } from "node:fs/promises";
import { ensureAdminToken } from "../admin/auth.js";
import { startAdminServer } from "../admin/admin-server.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { createGateway } from "../runtime/gateway.js";
import { createLogTap } from "../runtime/log-tap.js";
import { parseListen, readServeConfig, type ServeConfig } from "../runtime/serve-config.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, untilSignalled } from "./shutdown-signals.js";
import { DEFAULT_SIGNATURE_POLICY, SIGNATURE_POLICIES, type SignaturePolicy } from "../registry/signature.js";
import { paint, type CliIo } from "./io.js";

function parseSignaturePolicy(value: string): SignaturePolicy {
  const policy = SIGNATURE_POLICIES.find((candidate) => candidate === value);
  if (!policy) throw new PolyplugError(ErrorCode.InvalidArgument, `--signatures must be one of ${SIGNATURE_POLICIES.join(", ")}, got ${JSON.stringify(value)}`);
  return policy;
}

interface ServeOptions {
  config?: string;
  listen?: string;
  plugins?: string[];
  data?: string;
  logLevel?: string;
  automtls?: boolean;
  python?: string;
  adminListen?: string;
  signatures?: string;
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
    .option("--signatures <policy>", "bundle installs: require (default) a trusted signature, warn, or off")
    .action(async (options: ServeOptions) => {
      setExitCode(await runServe(options, io));
    });
}

async function runServe(options: ServeOptions, io: CliIo): Promise<number> {
  const c = paint(io.color);
  let config: ServeConfig = {};
  try {
    if (options.config) config = await readServeConfig(options.config);
    const listen = parseListen(options.listen ?? config.listen ?? "127.0.0.1:8080");
    const adminListen = parseListen(options.adminListen ?? config.adminListen ?? "127.0.0.1:8081", "--admin-listen");
    const dataDir = path.resolve(options.data ?? config.dataDir ?? ".polyplug");
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const adminToken = await ensureAdminToken(dataDir);
    const signaturePolicy = parseSignaturePolicy(options.signatures ?? config.signatures ?? DEFAULT_SIGNATURE_POLICY);
    const level = options.logLevel ?? config.logLevel ?? "info";
    const logTap = createLogTap();
    const logger = pino({ level }, pino.multistream([{ level: level === "silent" ? "fatal" : level, stream: io.logDestination }, { level: "trace", stream: logTap.stream }]));
    const interpreters = { ...config.interpreters, ...(options.python ? { python: options.python.includes("/") ? path.resolve(options.python) : options.python } : {}) };
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
      ...(config.failurePolicy ? { failurePolicy: config.failurePolicy } : {}),
      ...(config.maxInFlightPerPlugin ? { maxInFlightPerPlugin: config.maxInFlightPerPlugin } : {}),
      ...(config.limits ? { limits: config.limits } : {}),
    });
    const admin = await startAdminServer({ gateway, ...adminListen, token: adminToken, logger, signaturePolicy }).catch(async (error: unknown) => {
      await gateway.stop();
      throw error;
    });
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
        `  web console  ${admin.url}/console/  (sign in with the token in ${path.relative(process.cwd(), adminToken.file) || adminToken.file})`,
        `  metrics      ${admin.url}/metrics  (Prometheus; Authorization: Bearer <that token>)`,
        "",
        "Try it (a word filter rejects the message):",
        `  curl -s -X POST ${gateway.url}/polyplug.v1.Gateway/Intercept -H 'content-type: application/json' \\`,
        `    -d '{"topic":"message.will_be_posted","payload":{"message":"this is forbidden"}}'`,
        "",
      ].join("\n"),
    );
    return await untilSignalled({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, stop: () => admin.close().then(() => gateway.stop()), kill: () => Promise.all([admin.close(), gateway.kill()]).then(() => undefined) });
  } catch (error) {
    const failure = PolyplugError.from(error);
    io.err(`${c.red("✖ serve failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
    return 1;
  }
}
