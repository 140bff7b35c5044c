import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { PluginClient } from "../host/plugin-client.js";
import { addRpcService } from "@polyplug/sdk/internal/rpc/server.js";
import { commandConflicts } from "../dispatch/commands.js";
import { GatewayDispatcher } from "../dispatch/gateway-dispatcher.js";
import { createGatewayMetrics, type GatewayMetrics } from "../metrics/gateway-metrics.js";
import { instrumentStore } from "../metrics/instrument-store.js";
import type { PublishedEvent } from "../plugin-api/events.js";
import { createGatewayApiHandlers } from "../plugin-api/gateway-api.js";
import { checkGatewayVersion, resolveLaunchCommand, type ApiCapability, type Permissions } from "../registry/manifest.js";
import { scanPluginsDirs, type BrokenPluginFolder, type PluginFolder } from "../registry/plugins-dir.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import type { GatewayStore } from "../store/store.js";
import type { PublicLimitsInit } from "../surfaces/public-limits.js";
import { startPublicServer, type PublicServer } from "../surfaces/public-server.js";
import { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from "../supervision/policy.js";
import { Supervisor, type PluginState, type PluginStatus } from "../supervision/supervisor.js";
import { FailurePolicy, type FailMode, type FailurePolicyConfig } from "../dispatch/failure-policy.js";
import { loadFailModeOverrides, saveFailModeOverride, servesHooks, topicFailModes, type TopicFailMode } from "./fail-modes.js";
import type { LogTap } from "./log-tap.js";
import { managedPluginsDir } from "./plugin-install.js";
import { createPluginConfigs } from "./plugin-config.js";
import { createPluginInstaller, isManaged } from "./plugin-installer.js";
import { pluginInterpreters } from "./plugin-environment.js";
import { PluginTable } from "./plugin-table.js";
import { assertSandboxAvailable, createPluginSandbox } from "../host/sandbox/plugin-sandbox.js";
import { resolveResourceLimits, type ResourceLimitsRequest } from "../host/sandbox/resource-limits.js";
import { DEFAULT_SANDBOX_MODE, detectSandboxSupport, type SandboxMode, type SandboxSupport } from "../host/sandbox/sandbox-support.js";
import { GATEWAY_VERSION } from "./version.js";

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** Folders with one sub-folder per plugin (each with plugin.json or plugin.yaml). `<dataDir>/plugins` (installed plugins) is always added. */
  readonly pluginsDirs: readonly string[];
  /** Folder for the SQLite database, installed plugins and other state (created if missing). */
  readonly dataDir: string;
  /** Public API listen address (default 127.0.0.1:8080; port 0 picks a free port). */
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  /** The tap the logger also writes to, for streaming logs to operators. */
  readonly logTap?: LogTap;
  /** Supervision numbers (health interval, backoff, crash loop...). */
  readonly policy?: { readonly [K in keyof SupervisionPolicy]?: SupervisionPolicy[K] | undefined };
  /** AutoMTLS between gateway and plugins (default true). */
  readonly autoMtls?: boolean;
  /** Interpreters for manifests' `command` (e.g. { python: "/path/.venv/bin/python" }); `node` defaults to this Node. */
  readonly interpreters?: Readonly<Record<string, string>>;
  /** Parent of the plugins' private socket directories (default: the OS temp dir). */
  readonly socketDirBase?: string;
  /** Use this store instead of opening `<dataDir>/polyplug.db`. */
  readonly store?: GatewayStore;
  /** Prometheus metrics to feed (default: fresh ones, in a registry of this gateway's own). */
  readonly metrics?: GatewayMetrics;
  /** The operator's fail modes per plugin and topic (default: each manifest's `onFailure` suggestion). */
  readonly failurePolicy?: FailurePolicyConfig;
  /** Most intercept and command calls in flight to one plugin (default 64); past it a step fails with resource_exhausted. */
  readonly maxInFlightPerPlugin?: number;
  /** The public server's admission limits (connections, streams, timeouts, in-flight calls); see PublicLimits. */
  readonly limits?: PublicLimitsInit;
  /** Plugin sandbox: `required` (default), `auto` or `off` (see README "Sandbox and resource limits"). */
  readonly sandbox?: { readonly mode?: SandboxMode | undefined };
  /** Operator's resource limits: `default` for every plugin, or per plugin id; they override the manifest's. */
  readonly pluginLimits?: Readonly<Record<string, ResourceLimitsRequest>>;
}

/** How plugins are isolated on this gateway, for status. */
export interface SandboxStatus {
  readonly mode: SandboxMode;
  readonly isolation: SandboxSupport["isolation"];
  readonly limits: SandboxSupport["limits"];
  readonly dedicatedUids: boolean;
  /** Degraded states (no sandbox, limits by rlimit only...), one sentence each. */
  readonly warnings: readonly string[];
}

/** A plugin as the gateway lists it. */
export interface PluginListing extends PluginStatus {
  readonly name: string;
  readonly version: string;
  readonly enabled: boolean;
  readonly dir: string;
  /** True for plugins installed through the gateway (in `<dataDir>/plugins`). */
  readonly managed: boolean;
  /** The fail mode of each intercept subscription, and where it came from. */
  readonly failModes: readonly TopicFailMode[];
  /** Fail-closed topics whose events are being rejected right now because the plugin is enabled but not serving (starting, restarting, failed...). */
  readonly blockingTopics: readonly string[];
  /** What the plugin was granted: its manifest's permissions (approved at install, or by the operator's plugins folder). */
  readonly permissions: Permissions;
}

/** A running gateway. */
export interface Gateway {
  readonly url: string;
  readonly version: string;
  readonly dispatcher: GatewayDispatcher;
  readonly store: GatewayStore;
  readonly publicServer: PublicServer;
  readonly logTap: LogTap | undefined;
  /** Hook latency, calls by outcome, restarts, plugin states, KV operations, WebSocket clients. */
  readonly metrics: GatewayMetrics;
  plugins(): PluginListing[];
  plugin(pluginId: string): PluginListing;
  brokenPlugins(): readonly BrokenPluginFolder[];
  /** Calls `listener` on every plugin state change; returns the unsubscribe function. */
  onPluginState(listener: (status: PluginStatus) => void): () => void;
  /** Calls `listener` for every event a plugin publishes, whatever its audience; returns the unsubscribe function. */
  onPluginEvent(listener: (event: PublishedEvent) => void): () => void;
  enable(pluginId: string): Promise<PluginListing>;
  disable(pluginId: string): Promise<PluginListing>;
  restart(pluginId: string): Promise<PluginListing>;
  /**
   * Installs the plugin unpacked in `sourceDir` into `<dataDir>/plugins`, or upgrades it.
   * An upgrade that fails to activate is rolled back: the previous version is put back and
   * started again, and the error says why the new one failed.
   */
  install(sourceDir: string): Promise<PluginListing>;
  /** Stops an installed plugin and deletes its folder (plugins from other folders are refused). */
  remove(pluginId: string): Promise<void>;
  /**
   * Sets the operator's fail mode of `pluginId` for `topic` (a topic or pattern; "" or `*`:
   * every topic); `mode` undefined removes the override. Stored: it outlives the gateway.
   */
  setFailMode(pluginId: string, topic: string, mode: FailMode | undefined): PluginListing;
  getConfig(pluginId: string): JsonObject;
  saveConfig(pluginId: string, config: JsonObject, originPluginId?: string): Promise<JsonObject>;
  /** Deactivates and stops every plugin, closes servers and the store. */
  stop(): Promise<void>;
  /**
   * Stops now, when `stop` took too long or the operator insisted: SIGKILL to every plugin
   * process (no Deactivate), their sockets and socket dirs removed, servers and store closed.
   */
  kill(): Promise<void>;
  /** The plugin sandbox and resource-limit mechanisms in use. */
  sandbox(): SandboxStatus;
}

/**
 * Starts a gateway: opens the store, starts the public server (Connect API, HTTP routes,
 * WebSocket events), scans the plugins folders and starts every enabled plugin under a
 * supervisor. Broken manifests are reported and skip only their plugin.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const managedDir = managedPluginsDir(options.dataDir);
  await mkdir(managedDir, { recursive: true, mode: 0o700 });
  const metrics = options.metrics ?? createGatewayMetrics();
  const sandboxSupport = await detectSandboxSupport(options.sandbox?.mode ?? DEFAULT_SANDBOX_MODE);
  for (const warning of sandboxSupport.warnings) logger.warn(warning);
  logger.info({ mode: sandboxSupport.mode, isolation: sandboxSupport.isolation, limits: sandboxSupport.limits, dedicatedUids: sandboxSupport.dedicatedUids }, "plugin sandbox");
  const hidePaths = [options.dataDir, managedDir, ...options.pluginsDirs].map((dir) => path.resolve(dir));
  const store = instrumentStore(options.store ?? openSqliteStore(path.join(options.dataDir, "polyplug.db")), metrics);
  const overrides = Object.entries(options.policy ?? {}).filter(([, value]) => value !== undefined);
  const policy: SupervisionPolicy = { ...DEFAULT_SUPERVISION_POLICY, ...Object.fromEntries(overrides) };
  const table = new PluginTable();
  const interpreters = { node: process.execPath, ...options.interpreters };
  const failurePolicy = new FailurePolicy(options.failurePolicy);
  loadFailModeOverrides(store, failurePolicy, logger);
  const dispatcher = new GatewayDispatcher(table, logger, undefined, { failurePolicy, ...(options.maxInFlightPerPlugin ? { maxInFlightPerPlugin: options.maxInFlightPerPlugin } : {}) });
  dispatcher.observe((call) => metrics.observeHook(call));
  const instanceId = randomUUID();
  const stateListeners = new Set<(status: PluginStatus) => void>();
  const eventListeners = new Set<(event: PublishedEvent) => void>();
  const publish = (event: PublishedEvent): number => {
    for (const listener of eventListeners) listener(event);
    return server?.hub.publish(event) ?? 0;
  };
  let server: PublicServer | undefined;

  const configs = createPluginConfigs({ table, store, logger, deliveryTimeoutMs: policy.activateTimeoutMs });
  const getConfig = configs.get;
  const saveConfig = configs.save;

  const serveGatewayApi = async (pluginId: string, permissions: readonly ApiCapability[], host: PluginClient): Promise<number> => {
    const id = host.broker.nextId();
    const pluginLogger = logger.child({ pluginId, source: "plugin-api" });
    await host.broker.acceptAndServe(id, (grpcServer) =>
      addRpcService(
        grpcServer,
        GatewayAPI,
        createGatewayApiHandlers({
          pluginId,
          permissions,
          store,
          logger: pluginLogger,
          events: { publish },
          config: { get: () => getConfig(pluginId), save: (config) => saveConfig(pluginId, config, pluginId) },
        }),
      ),
    );
    return id;
  };

  const blocking = (supervisor: Supervisor): string[] =>
    supervisor.wanted && !servesHooks(supervisor.state) ? topicFailModes(failurePolicy, supervisor.manifest).filter((t) => t.mode === "closed").map((t) => t.topic) : [];
  /** Logs once per state change (not per call) that a fail-closed plugin is rejecting its topics' events. */
  const reportBlocking = (supervisor: Supervisor, state: PluginState) => {
    const topics = blocking(supervisor);
    if (topics.length > 0) logger.error({ pluginId: supervisor.pluginId, state, topics }, `plugin ${supervisor.pluginId} is ${state}: events on its fail-closed topics (${topics.join(", ")}) are rejected until it is active again`);
  };

  /** A supervisor for a valid folder; throws when the plugin cannot run here. */
  const supervise = (folder: PluginFolder): Supervisor => {
    const { manifest } = folder;
    checkGatewayVersion(manifest, GATEWAY_VERSION);
    const launch = resolveLaunchCommand(manifest, folder.dir, pluginInterpreters(folder.dir, interpreters));
    assertSandboxAvailable(sandboxSupport, manifest.id);
    const sandbox = createPluginSandbox({
      pluginId: manifest.id,
      support: sandboxSupport,
      limits: resolveResourceLimits({ operatorDefault: options.pluginLimits?.default, manifest: manifest.permissions.limits, operatorPlugin: options.pluginLimits?.[manifest.id] }),
      network: manifest.permissions.network,
      readPaths: manifest.permissions.readPaths,
      hidePaths,
      nodeExecutable: interpreters.node,
    });
    const supervisor = new Supervisor({
      manifest,
      dir: folder.dir,
      launch,
      policy,
      logger: logger.child({ pluginId: manifest.id }),
      hostOptions: { autoMtls: options.autoMtls ?? true, ...(options.socketDirBase ? { socketDirBase: options.socketDirBase } : {}), sandbox },
      serveGatewayApi: (host) => serveGatewayApi(manifest.id, manifest.permissions.api, host),
      configuration: () => getConfig(manifest.id),
      gatewayVersion: GATEWAY_VERSION,
      instanceId,
    });
    supervisor.on("state", (status) => {
      for (const listener of stateListeners) listener(status);
      reportBlocking(supervisor, status.state);
      if (status.state !== "active") return;
      for (const conflict of commandConflicts(table.list())) {
        logger.error(conflict, `command /${conflict.command} is claimed by several plugins (${conflict.pluginIds.join(", ")}); it answers with a conflict error until all but one are disabled`);
      }
    });
    table.set({ supervisor, folder });
    return supervisor;
  };

  server = await startPublicServer({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080, dispatcher, logger, ...(options.limits ? { limits: options.limits } : {}) });
  metrics.setSources({
    plugins: () => table.all().map(({ supervisor }) => supervisor.status()),
    webSocketClients: () => server?.hub.clients().length ?? 0,
    blockingTopics: () => table.all().filter(({ supervisor }) => supervisor.wanted).map(({ supervisor }) => ({ pluginId: supervisor.pluginId, topics: blocking(supervisor) })),
    publicServer: () => (server as PublicServer).stats(),
  });
  const scan = await scanPluginsDirs([...options.pluginsDirs, managedDir]);
  const broken: BrokenPluginFolder[] = [...scan.broken];
  for (const folder of scan.plugins) {
    try {
      supervise(folder);
    } catch (error) {
      broken.push({ dir: folder.dir, error: PolyplugError.from(error) });
    }
  }
  for (const item of broken) logger.error({ dir: item.dir, code: item.error.code }, `plugin disabled: ${item.error.message}`);

  const enabled = (pluginId: string) => store.getPluginRecord(pluginId).enabled ?? true;
  await Promise.all(table.all().filter(({ supervisor }) => enabled(supervisor.pluginId)).map(({ supervisor }) => supervisor.start()));

  const listing = (pluginId: string): PluginListing => {
    const { supervisor, folder } = table.entry(pluginId);
    return {
      ...supervisor.status(),
      name: folder.manifest.name,
      version: folder.manifest.version,
      enabled: enabled(pluginId),
      dir: folder.dir,
      managed: isManaged(managedDir, folder.dir),
      failModes: topicFailModes(failurePolicy, folder.manifest),
      blockingTopics: blocking(supervisor),
      permissions: folder.manifest.permissions,
    };
  };

  const installer = createPluginInstaller({ table, managedDir, logger, interpreters, supervise, isEnabled: enabled });

  let stopped: Promise<void> | undefined;
  let serversClosed: Promise<void> | undefined;
  const closeServers = () =>
    (serversClosed ??= (async () => {
      await server?.close();
      await sandboxSupport.cgroup?.release();
      store.close();
    })());
  return {
    url: server.url,
    version: GATEWAY_VERSION,
    dispatcher,
    store,
    publicServer: server,
    logTap: options.logTap,
    metrics,
    plugins: () => table.all().map(({ supervisor }) => listing(supervisor.pluginId)),
    plugin: listing,
    brokenPlugins: () => broken,
    onPluginState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onPluginEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    async enable(pluginId) {
      const { supervisor } = table.entry(pluginId);
      store.setPluginEnabled(pluginId, true);
      await supervisor.start();
      return listing(pluginId);
    },
    async disable(pluginId) {
      const { supervisor } = table.entry(pluginId);
      store.setPluginEnabled(pluginId, false);
      await supervisor.stop();
      return listing(pluginId);
    },
    async restart(pluginId) {
      await table.entry(pluginId).supervisor.restart();
      return listing(pluginId);
    },
    sandbox: () => ({ mode: sandboxSupport.mode, isolation: sandboxSupport.isolation, limits: sandboxSupport.limits, dedicatedUids: sandboxSupport.dedicatedUids, warnings: sandboxSupport.warnings }),
    install: async (sourceDir) => listing(await installer.install(sourceDir)),
    remove: installer.remove,
    setFailMode(pluginId, topic, mode) {
      table.entry(pluginId);
      saveFailModeOverride(store, failurePolicy, pluginId, topic, mode);
      logger.warn({ pluginId, topic: topic || "*", mode: mode ?? "(removed)" }, "operator changed a plugin's fail mode");
      return listing(pluginId);
    },
    getConfig,
    saveConfig: async (pluginId, config, originPluginId) => saveConfig(pluginId, config, originPluginId),
    async kill() {
      await Promise.all(table.all().map(({ supervisor }) => supervisor.kill()));
      await closeServers();
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all(table.all().map(({ supervisor }) => supervisor.stop()));
        await closeServers();
      })();
      return stopped;
    },
  };
}
