import path from "node:path";
import type { Command } from "commander";
import { pino, type Logger } from "pino";
import { mkdir } from "node:fs/promises";
import { ensureAdminToken } from "../admin/auth.js";
import type { AdminServer } from "../admin/admin-server.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { errorSummary } from "../host/launch.js";
import type { SandboxMode } from "../host/sandbox/sandbox-support.js";
import { createGateway, type Gateway, type SandboxStatus } from "../runtime/gateway.js";
import { reattachConfigs } from "../runtime/reattach-plugins.js";
import { createLogTap } from "../runtime/log-tap.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, untilSignalled } from "./shutdown-signals.js";
import { DEFAULT_SIGNATURE_POLICY, SIGNATURE_POLICIES, type SignaturePolicy } from "../registry/signature.js";
import type { ServeConfig } from "../runtime/serve-config.js";
import { parseListen } from "../runtime/listen-address.js";
import { paint, type CliIo } from "./io.js";
import { chooseLogFormat, chooseLogLevel, logStream } from "./log-format.js";
import { markStart } from "../runtime/start-timeline.js";

function parseSignaturePolicy(value: string): SignaturePolicy {
  const policy = SIGNATURE_POLICIES.find((candidate) => candidate === value);
  if (!policy)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--signatures must be one of ${SIGNATURE_POLICIES.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return policy;
}

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
  signatures?: string;
  database?: string;
  nodeId?: string;
  logFormat?: string;
  reattach?: string[];
  workers?: string;
  sandbox?: string;
  /** Applied by cli/main.ts before this module loads (runtime/memory-profile.ts); declared here for help and checking. */
  memoryProfile?: string;
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
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal, silent (default info)")
    .option("--no-automtls", "talk to plugins without AutoMTLS (plaintext over the private unix socket)")
    .option(
      "--database <url>",
      "postgres://user:password@host:port/db: share state with other gateways (cluster mode; default SQLite in --data)",
    )
    .option("--node-id <id>", "this gateway's node id in a cluster (default: random per start)")
    .option("--python <path>", "python executable for plugins whose manifest command starts with python")
    .option("--signatures <policy>", "bundle installs: require (default) a trusted signature, warn, or off")
    .option(
      "--sandbox <mode>",
      "plugin sandbox: required (default), auto (unsandboxed where unavailable, with a warning) or off",
    )
    .option("--log-format <format>", "auto (pretty on a terminal, JSON otherwise), pretty or json")
    .option(
      "--reattach <id=json...>",
      "attach to a plugin you started yourself (e.g. under a debugger) instead of launching it: PLUGIN_ID=go-plugin reattach JSON; also POLYPLUG_REATTACH_PLUGINS",
    )
    .option(
      "--workers <n>",
      "processes serving the public port, each with its own plugin connections (default 1; e.g. the number of cores)",
    )
    .option(
      "--memory-profile <profile>",
      "default (Node's heap sizing) or small (the young generation never grows: ~20 MiB less RSS, several times the GC time under load); also POLYPLUG_MEMORY_PROFILE",
    )
    .action(async (options: ServeOptions) => {
      setExitCode(await runServe(options, io));
    });
}

function describeSandbox(sandbox: SandboxStatus, c: ReturnType<typeof paint>): string {
  const isolation =
    sandbox.isolation === "bubblewrap"
      ? `bubblewrap${sandbox.dedicatedUids ? ", a uid per plugin" : ""}`
      : c.red("none: plugins run unsandboxed");
  return `${isolation}; limits by ${sandbox.limits} (sandbox.mode: ${sandbox.mode})`;
}

function parseSandboxMode(mode: string | undefined): SandboxMode | undefined {
  if (mode === undefined) return undefined;
  if (mode === "required" || mode === "auto" || mode === "off") return mode;
  throw new PolyplugError(
    ErrorCode.InvalidArgument,
    `--sandbox must be required, auto or off, got ${JSON.stringify(mode)}`,
  );
}

/** The example word filter's id prefix (Go and Python); the "Try it" hint only makes sense when one is running. */
const EXAMPLE_WORD_FILTER = "com.polyplug.example.wordfilter";

/** The banner's last lines: a first curl to try when the example word filter is active; otherwise where to start. */
export function tryIt(url: string, plugins: readonly { pluginId: string; state: string }[]): string[] {
  if (plugins.some((p) => p.pluginId.startsWith(EXAMPLE_WORD_FILTER) && p.state === "active")) {
    return [
      "Try it (the example word filter rejects the message):",
      `  curl -s -X POST ${url}/polyplug.v1.Gateway/Intercept -H 'content-type: application/json' \\`,
      `    -d '{"topic":"message.will_be_posted","payload":{"message":"this is forbidden"}}'`,
      "",
    ];
  }
  return [`What this gateway serves: curl -s ${url}/`, ""];
}

/** A gateway and its Admin API started from serve options, as `serve` and `dev` run them. */
export interface Serving {
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  readonly dataDir: string;
  readonly adminTokenFile: string;
  readonly logger: Logger;
  readonly config: ServeConfig;
}

/**
 * Reads the config file and flags, then starts the gateway and its Admin API. Logs go to
 * `io.logDestination`, pretty on a terminal and JSON otherwise unless `--log-format` says.
 */
export async function startServing(options: ServeOptions, io: CliIo): Promise<Serving> {
  let config: ServeConfig = {};
  // The config file's schema (and YAML) only when there is a file or a node id to check: building it is
  // ~10 ms of a start without one, before the first plugin is launched (issue 17, row 4).
  const serveConfig =
    options.config || options.nodeId !== undefined ? await import("../runtime/serve-config.js") : undefined;
  if (options.config && serveConfig) config = await serveConfig.readServeConfig(options.config);
  const listen = parseListen(options.listen ?? config.listen ?? "127.0.0.1:8080");
  const adminListen = parseListen(options.adminListen ?? config.adminListen ?? "127.0.0.1:8081", "--admin-listen");
  const dataDir = path.resolve(options.data ?? config.dataDir ?? ".polyplug");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = await ensureAdminToken(dataDir);
  const signaturePolicy = parseSignaturePolicy(options.signatures ?? config.signatures ?? DEFAULT_SIGNATURE_POLICY);
  const level = chooseLogLevel(options.logLevel ?? config.logLevel, "info");
  const logTap = createLogTap();
  const format = chooseLogFormat(options.logFormat ?? config.logFormat, io.logDestination);
  const destination = await logStream(format, io.logDestination, io.color);
  const logger = pino(
    { level },
    pino.multistream([
      { level: level === "silent" ? "fatal" : level, stream: destination },
      { level: "trace", stream: logTap.stream },
    ]),
  );
  const reattach = reattachConfigs(options.reattach ?? [], process.env.POLYPLUG_REATTACH_PLUGINS);
  if (options.nodeId !== undefined && !serveConfig?.serveConfigSchema.shape.nodeId.safeParse(options.nodeId).success) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--node-id must be 1..64 letters, digits, '.', '_' or '-', got ${JSON.stringify(options.nodeId)}`,
    );
  }
  const interpreters = {
    ...config.interpreters,
    ...(options.python ? { python: options.python.includes("/") ? path.resolve(options.python) : options.python } : {}),
  };
  markStart("config-read");
  const gateway = await createGateway({
    pluginsDirs: (options.plugins ?? config.pluginsDirs ?? ["plugins"]).map((dir) => path.resolve(dir)),
    dataDir,
    host: listen.host,
    port: listen.port,
    logger,
    logTap,
    autoMtls: options.automtls ?? config.autoMtls ?? true,
    ...(config.pluginTransport ? { pluginTransport: config.pluginTransport } : {}),
    interpreters,
    ...(config.policy ? { policy: config.policy } : {}),
    ...(config.tracing ? { tracing: config.tracing } : {}),
    ...(config.failurePolicy ? { failurePolicy: config.failurePolicy } : {}),
    ...(config.maxInFlightPerPlugin ? { maxInFlightPerPlugin: config.maxInFlightPerPlugin } : {}),
    ...(config.limits ? { limits: config.limits } : {}),
    ...((options.database ?? config.database) ? { database: options.database ?? config.database ?? "" } : {}),
    ...((options.nodeId ?? config.nodeId) ? { nodeId: options.nodeId ?? config.nodeId ?? "" } : {}),
    ...(reattach.size > 0 ? { reattach } : {}),
    sandbox: { mode: parseSandboxMode(options.sandbox) ?? config.sandbox?.mode },
    ...(config.pluginLimits ? { pluginLimits: config.pluginLimits } : {}),
    workers: parseWorkers(options.workers) ?? config.workers ?? 1,
  });
  // Loaded once the gateway is serving: the Admin API and console are not on the way to its first answer (issue 17, row 4).
  const admin = await import("../admin/admin-server.js")
    .then(({ startAdminServer }) =>
      startAdminServer({ gateway, ...adminListen, token: adminToken, logger, signaturePolicy }),
    )
    .catch(async (error: unknown) => {
      await gateway.stop();
      throw error;
    });
  gateway.setAdminUrl(admin.url);
  gateway.publicServer.rootPage.setAdminLinks({ adminUrl: admin.url });
  return { gateway, admin, dataDir, adminTokenFile: adminToken.file, logger, config };
}

/** Waits for SIGINT/SIGTERM, then stops what `serving()` returns (bounded; see untilSignalled); resolves with the exit code. */
export function untilStopped(serving: () => Pick<Serving, "gateway" | "admin" | "logger" | "config">): Promise<number> {
  const { logger, config } = serving();
  return untilSignalled({
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    stop: () => stopServing(serving()),
    kill: () => Promise.all([serving().admin.close(), serving().gateway.kill()]).then(() => undefined),
  });
}

/** Stops the gateway and its Admin API (deactivating and stopping every plugin). */
export async function stopServing(serving: Pick<Serving, "gateway" | "admin">): Promise<void> {
  await serving.admin.close();
  await serving.gateway.stop();
}

async function runServe(options: ServeOptions, io: CliIo): Promise<number> {
  const c = paint(io.color);
  try {
    const serving = await startServing(options, io);
    const { gateway, admin, dataDir, adminTokenFile } = serving;
    // Signal handlers before the banner: whoever starts serve may stop it (SIGTERM) as soon as
    // the banner shows, and a signal before them would kill the process outright, leaving
    // its plugins' stop and the exit handlers undone (seen: 1 start in 24 on a busy machine).
    const stopped = untilStopped(() => serving);
    const plugins = gateway.plugins();
    io.err(
      [
        "",
        c.bold(`Polyplug gateway listening on ${gateway.url}`),
        ...plugins.map(
          (p) =>
            `  ${p.state === "active" ? c.green("●") : c.red("●")} ${p.pluginId} ${c.dim(p.version)} — ${p.state}${p.lastError ? ` (${errorSummary(p.lastError.message)})` : ""}`,
        ),
        ...gateway.brokenPlugins().map((b) => `  ${c.red("✖")} ${b.dir}: ${b.error.message.split("\n")[0]}`),
        "",
        `  public API   POST ${gateway.url}/polyplug.v1.Gateway/Intercept  (Connect JSON or gRPC)`,
        `  events       ${gateway.url.replace(/^http/, "ws")}/v1/events?label.channel_id=town  (WebSocket; label.KEY=VALUE picks the events whose audience you match)`,
        `  plugin HTTP  ${gateway.url}/plugins/{id}/...`,
        `  admin API    ${admin.url}  (npx polyplug status --url ${admin.url} --data ${path.relative(process.cwd(), dataDir) || "."})`,
        `  web console  ${admin.url}/console/  (sign in with the token in ${path.relative(process.cwd(), adminTokenFile) || adminTokenFile})`,
        ...(gateway.cluster ? [`  cluster      node ${gateway.nodeId} (npx polyplug status shows every node)`] : []),
        `  sandbox      ${describeSandbox(gateway.sandbox(), c)}`,
        `  metrics      ${admin.url}/metrics  (Prometheus; Authorization: Bearer <that token>)`,
        "",
        ...tryIt(gateway.url, plugins),
      ].join("\n"),
    );
    return await stopped;
  } catch (error) {
    const failure = PolyplugError.from(error);
    io.err(`${c.red("✖ serve failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
    return 1;
  }
}

/** `--workers`: a whole number from 1 to 256; errors name the flag. */
function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!/^\d+$/.test(value) || workers < 1 || workers > 256)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--workers must be a whole number from 1 to 256, got ${JSON.stringify(value)}`,
    );
  return workers;
}
