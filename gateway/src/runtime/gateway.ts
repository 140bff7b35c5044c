import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { PluginClient, ReattachConfig } from "../host/plugin-client.js";
import { reattachPlugin } from "../host/reattach.js";
import { commandConflicts } from "../dispatch/commands.js";
import type { GatewayDispatcher } from "../dispatch/gateway-dispatcher.js";
import { createGatewayMetrics, type GatewayMetrics } from "../metrics/gateway-metrics.js";
import { instrumentStore } from "../metrics/instrument-store.js";
import type { PublishedEvent } from "../plugin-api/events.js";
import { startYoungGenerationReclaim } from "../young-generation-reclaim.js";
import {
  checkGatewayVersion,
  resolveLaunchCommand,
  type ApiCapability,
  type Permissions,
} from "../registry/manifest.js";
import { scanPluginsDirs, type BrokenPluginFolder, type PluginFolder } from "../registry/plugins-dir.js";
import { isPostgresStore, openGatewayStore } from "../store/open-store.js";
import type { GatewayStore } from "../store/store.js";
import type { PublicLimitsInit } from "../surfaces/public-limits.js";
import type { PublicServer } from "../surfaces/public-server.js";
import { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from "../supervision/policy.js";
import { Supervisor, type PluginState, type PluginStatus } from "../supervision/supervisor.js";
import { FailurePolicy, type FailMode, type FailurePolicyConfig } from "../dispatch/failure-policy.js";
import {
  loadFailModeOverrides,
  saveFailModeOverride,
  servesHooks,
  topicFailModes,
  type TopicFailMode,
} from "./fail-modes.js";
import type { LogTap } from "./log-tap.js";
import { managedPluginsDir } from "./plugin-install.js";
import { createPluginConfigs } from "./plugin-config.js";
import { createPluginRecords } from "./plugin-records.js";
import type { ClusterNode, ClusterTiming } from "./cluster-node.js";
import type { ClusterNodeInfo } from "../cluster/membership.js";
import { parseTrustedKey, trustedKeysDir, loadTrustedKeys, type TrustedKey } from "../registry/signature-keys.js";
import { createPluginInstaller, isManaged } from "./plugin-installer.js";
import { pluginInterpreters } from "./plugin-environment.js";
import { PluginTable } from "./plugin-table.js";
import type { WorkerPool, WorkerStatus } from "../workers/worker-pool.js";
import { assertSandboxAvailable, createPluginSandbox } from "../host/sandbox/plugin-sandbox.js";
import { resolveResourceLimits, type ResourceLimitsRequest } from "../host/sandbox/resource-limits.js";
import {
  DEFAULT_SANDBOX_MODE,
  detectSandboxSupport,
  type SandboxMode,
  type SandboxSupport,
} from "../host/sandbox/sandbox-support.js";
import { startTracing, type TracingOptions } from "../tracing/start-tracing.js";
import { GATEWAY_VERSION } from "./version.js";
import { markStart } from "./start-timeline.js";
import type { PluginTransport } from "../rpc/plugin-transport.js";
import { loadWhilePluginsBoot, watchPluginLaunches } from "./plugin-launches.js";

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** Folders with one sub-folder per plugin (each with plugin.json or plugin.yaml). `<dataDir>/plugins` (installed plugins) is always added. */
  readonly pluginsDirs: readonly string[];
  /** Folder for the SQLite database, installed plugins and other state (created if missing). */
  readonly dataDir: string;
  /** Public API listen address (default 127.0.0.1:8080; port 0 picks a free port). */
  readonly host?: string;
  /** Public API port (default 8080; 0 picks a free one, see Gateway.url). */
  readonly port?: number;
  readonly logger: Logger;
  /** The tap the logger also writes to, for streaming logs to operators. */
  readonly logTap?: LogTap;
  /** Supervision numbers (health interval, backoff, crash loop...); unset fields keep DEFAULT_SUPERVISION_POLICY (SupervisionPolicy documents each). */
  readonly policy?: { readonly [K in keyof SupervisionPolicy]?: SupervisionPolicy[K] | undefined };
  /** AutoMTLS between gateway and plugins (default true). */
  readonly autoMtls?: boolean;
  /** Client for unary calls to plugins: `h2` (default) or the `node-http2` fallback; unset: $POLYPLUG_PLUGIN_TRANSPORT, else `h2`. */
  readonly pluginTransport?: PluginTransport;
  /** Interpreters for manifests' `command` (e.g. { python: "/path/.venv/bin/python" }); `node` defaults to this Node. */
  readonly interpreters?: Readonly<Record<string, string>>;
  /** Parent of the plugins' private socket directories (default: the OS temp dir). */
  readonly socketDirBase?: string;
  /** Use this store instead of opening `<dataDir>/polyplug.db`. */
  readonly store?: GatewayStore;
  /** `postgres://…`: keep state in this PostgreSQL database (shared with other gateways) instead of `<dataDir>/polyplug.db`. */
  readonly database?: string;
  /** This node's id in a cluster (default: a random UUID per start). */
  readonly nodeId?: string;
  /** Cluster heartbeat, dead-after and resync intervals (PostgreSQL store only). */
  readonly cluster?: ClusterTiming;
  /** Prometheus metrics to feed (default: fresh ones, in a registry of this gateway's own). */
  readonly metrics?: GatewayMetrics;
  /** OpenTelemetry span export (see tracing/start-tracing.ts); off when neither this nor OTEL_EXPORTER_OTLP_ENDPOINT names an endpoint. */
  readonly tracing?: TracingOptions;
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
  /** Plugins to attach to (already running, e.g. under a debugger) instead of launching, by plugin id. */
  readonly reattach?: ReadonlyMap<string, ReattachConfig>;
  /**
   * Processes serving the public port (default 1: this process, as always). N > 1: N worker
   * processes share the public port, each with its own plugin connections and a 1/N share of
   * the limits; supervision stays here (see README "Workers"). This process's own public
   * server then listens on a free loopback port (`publicServer`), for in-process use.
   */
  readonly workers?: number;
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
  setFailMode(pluginId: string, topic: string, mode: FailMode | undefined): Promise<PluginListing>;
  /** Keeps the bundle an install came from in the store, so every node of a cluster can fetch and verify it, and tells the other nodes. */
  recordInstall(bundle: {
    readonly pluginId: string;
    readonly version: string;
    readonly sha256: string;
    readonly bytes: Uint8Array;
    readonly signature: Uint8Array | undefined;
  }): Promise<void>;
  /** This node's id (a cluster member's, or this process's when alone). */
  readonly nodeId: string;
  /** The cluster membership when the store is PostgreSQL; undefined with SQLite. */
  readonly cluster: ClusterNode | undefined;
  /** Every node sharing the store (with SQLite: this one alone), with each one's plugin states. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** Records the Admin API URL this node announces to the cluster. */
  setAdminUrl(url: string): void;
  /** Trusted keys from `<dataDir>/trusted-keys` and from the store. */
  trustedKeys(): Promise<TrustedKey[]>;
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
  /** The public-port worker processes (empty with `workers` 1). */
  workers(): WorkerStatus[];
}

/** The GatewayAPI served to plugins (descriptors, handlers): loaded once the plugins were launched, which need it first at Activate. */
let pluginApi:
  | Promise<
      Pick<typeof import("../plugin-api/gateway-api.js"), "createGatewayApiHandlers"> &
        Pick<typeof import("@polyplug/sdk/internal/rpc/server.js"), "addRpcService"> &
        Pick<typeof import("@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js"), "GatewayAPI">
    >
  | undefined;
const loadPluginApi = () =>
  (pluginApi ??= Promise.all([
    import("../plugin-api/gateway-api.js"),
    import("@polyplug/sdk/internal/rpc/server.js"),
    import("@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js"),
  ]).then(([handlers, rpc, pb]) => ({
    createGatewayApiHandlers: handlers.createGatewayApiHandlers,
    addRpcService: rpc.addRpcService,
    GatewayAPI: pb.GatewayAPI,
  })));

/**
 * Starts a gateway: opens the store, starts the public server (Connect API, HTTP routes,
 * WebSocket events), scans the plugins folders and starts every enabled plugin under a
 * supervisor. Broken manifests are reported and skip only their plugin.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  const workerCount = options.workers ?? 1;
  if (!Number.isInteger(workerCount) || workerCount < 1 || workerCount > 256)
    throw new PolyplugError(ErrorCode.InvalidArgument, `workers must be an integer from 1 to 256, got ${workerCount}`);
  // Start-up order (issue 17): the sandbox is probed (waits on the file system) from here on,
  // the plugins folders are read while the store opens, and the plugins are launched before
  // the public server listens.
  const detecting = detectSandboxSupport(options.sandbox?.mode ?? DEFAULT_SANDBOX_MODE);
  detecting.catch(() => undefined);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const managedDir = managedPluginsDir(options.dataDir);
  await mkdir(managedDir, { recursive: true, mode: 0o700 });
  const metrics = options.metrics ?? createGatewayMetrics();
  const scanning = scanPluginsDirs([...options.pluginsDirs, managedDir]);
  scanning.catch(() => undefined); // awaited below; not unhandled while the store opens
  const hidePaths = [options.dataDir, managedDir, ...options.pluginsDirs].map((dir) => path.resolve(dir));
  const opened =
    options.store ??
    (await openGatewayStore({
      database: options.database,
      sqlitePath: path.join(options.dataDir, "polyplug.db"),
      onBackgroundError: (error) =>
        logger.warn({ code: error.code, err: error.message }, "store background work failed; retrying later"),
    }));
  markStart("store-opened");
  const sandboxSupport = await detecting;
  markStart("sandbox-probed");
  for (const warning of sandboxSupport.warnings) logger.warn(warning);
  logger.info(
    {
      mode: sandboxSupport.mode,
      isolation: sandboxSupport.isolation,
      limits: sandboxSupport.limits,
      dedicatedUids: sandboxSupport.dedicatedUids,
    },
    "plugin sandbox",
  );
  const store = instrumentStore(opened, metrics);
  const records = createPluginRecords(store);
  await records.load();
  const overrides = Object.entries(options.policy ?? {}).filter(([, value]) => value !== undefined);
  const policy: SupervisionPolicy = { ...DEFAULT_SUPERVISION_POLICY, ...Object.fromEntries(overrides) };
  const table = new PluginTable();
  const interpreters = { node: process.execPath, ...options.interpreters };
  const failurePolicy = new FailurePolicy(options.failurePolicy);
  await loadFailModeOverrides(store, failurePolicy, logger);
  const tracing = await startTracing(options.tracing, GATEWAY_VERSION);
  if (tracing) logger.info({ url: tracing.url }, "exporting OpenTelemetry spans over OTLP/HTTP");
  const instanceId = randomUUID();
  const nodeId = options.nodeId ?? instanceId;
  let cluster: ClusterNode | undefined;
  let adminUrl = "";
  const startedAt = Date.now();
  const stateListeners = new Set<(status: PluginStatus) => void>();
  const eventListeners = new Set<(event: PublishedEvent) => void>();
  const publish = (event: PublishedEvent): number => {
    for (const listener of eventListeners) listener(event);
    cluster?.announce({ kind: "event", event });
    pool?.publish(event);
    return server?.hub.publish(event) ?? 0;
  };
  let server: PublicServer | undefined;
  let pool: WorkerPool | undefined;
  const launches = watchPluginLaunches();

  const configs = createPluginConfigs({ table, records, logger, deliveryTimeoutMs: policy.activateTimeoutMs });
  const getConfig = configs.get;
  const saveConfig = async (pluginId: string, config: JsonObject, originPluginId?: string): Promise<JsonObject> => {
    const saved = await configs.save(pluginId, config, originPluginId);
    cluster?.announce({ kind: "config", pluginId, originPluginId });
    return saved;
  };

  const serveGatewayApi = async (
    pluginId: string,
    permissions: readonly ApiCapability[],
    host: PluginClient,
  ): Promise<number> => {
    const { GatewayAPI, addRpcService, createGatewayApiHandlers } = await loadPluginApi();
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
          cluster: { send: async (topic, payload) => cluster?.send({ kind: "plugin", pluginId, topic, payload }) },
        }),
      ),
    );
    return id;
  };

  const blocking = (supervisor: Supervisor): string[] =>
    supervisor.wanted && !servesHooks(supervisor.state)
      ? topicFailModes(failurePolicy, supervisor.manifest)
          .filter((t) => t.mode === "closed")
          .map((t) => t.topic)
      : [];
  /** Logs once per state change (not per call) that a fail-closed plugin is rejecting its topics' events. */
  const reportBlocking = (supervisor: Supervisor, state: PluginState) => {
    const topics = blocking(supervisor);
    if (topics.length > 0)
      logger.error(
        { pluginId: supervisor.pluginId, state, topics },
        `plugin ${supervisor.pluginId} is ${state}: events on its fail-closed topics (${topics.join(", ")}) are rejected until it is active again`,
      );
  };

  /** For a plugin the operator started by hand: connect to it instead of launching it. */
  const attachTo = (pluginId: string): { attach?: () => Promise<PluginClient> } => {
    const config = options.reattach?.get(pluginId);
    if (!config) return {};
    return { attach: () => reattachPlugin({ config, logger: logger.child({ pluginId }) }) };
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
      limits: resolveResourceLimits({
        operatorDefault: options.pluginLimits?.default,
        manifest: manifest.permissions.limits,
        operatorPlugin: options.pluginLimits?.[manifest.id],
      }),
      network: manifest.permissions.network,
      readPaths: manifest.permissions.readPaths,
      hidePaths,
      nodeExecutable: interpreters.node,
      onPrepared: () => launches.prepared(manifest.id),
    });
    const supervisor = new Supervisor({
      manifest,
      dir: folder.dir,
      launch,
      policy,
      logger: logger.child({ pluginId: manifest.id }),
      hostOptions: {
        autoMtls: options.autoMtls ?? true,
        ...(options.pluginTransport ? { pluginTransport: options.pluginTransport } : {}),
        ...(options.socketDirBase ? { socketDirBase: options.socketDirBase } : {}),
        sandbox,
      },
      serveGatewayApi: (host) => serveGatewayApi(manifest.id, manifest.permissions.api, host),
      configuration: () => getConfig(manifest.id),
      gatewayVersion: GATEWAY_VERSION,
      instanceId,
      ...attachTo(manifest.id),
    });
    supervisor.on("state", (status) => {
      for (const listener of stateListeners) listener(status);
      reportBlocking(supervisor, status.state);
      if (status.state !== "active") return;
      for (const conflict of commandConflicts(table.list())) {
        logger.error(
          conflict,
          `command /${conflict.command} is claimed by several plugins (${conflict.pluginIds.join(", ")}); it answers with a conflict error until all but one are disabled`,
        );
      }
    });
    table.set({ supervisor, folder });
    return supervisor;
  };

  const scan = await scanning;
  const broken: BrokenPluginFolder[] = [...scan.broken];
  for (const folder of scan.plugins) {
    try {
      supervise(folder);
    } catch (error) {
      broken.push({ dir: folder.dir, error: PolyplugError.from(error) });
    }
  }
  for (const item of broken)
    logger.error({ dir: item.dir, code: item.error.code }, `plugin disabled: ${item.error.message}`);

  const enabled = (pluginId: string) => records.get(pluginId).enabled ?? true;
  // Launched now, so the plugins boot while the public server starts; no plugin process is
  // left behind when it cannot listen.
  const launching = table.all().filter(({ supervisor }) => enabled(supervisor.pluginId));
  const prepared = launches.expect(
    launching.map(({ supervisor }) => supervisor.pluginId).filter((pluginId) => !options.reattach?.has(pluginId)),
  );
  const starting = Promise.all(launching.map(({ supervisor }) => supervisor.start()));
  markStart("plugins-starting");
  const publicAddress = { host: options.host ?? "127.0.0.1", port: options.port ?? 8080 };
  // With workers the public address is theirs; this process's server moves to a free loopback port.
  // The dispatcher is built here too: its code (the chains, the wire module, plugin_pb's
  // descriptors) is evaluated while the plugins boot, not before they are spawned (issue 17, row 4).
  const started = await loadWhilePluginsBoot(prepared, starting, () =>
    Promise.all([import("../surfaces/public-server.js"), import("../dispatch/gateway-dispatcher.js")]),
  )
    .then(async ([{ startPublicServer }, { GatewayDispatcher }]) => {
      const dispatcher = new GatewayDispatcher(table, logger, undefined, {
        failurePolicy,
        ...(options.maxInFlightPerPlugin ? { maxInFlightPerPlugin: options.maxInFlightPerPlugin } : {}),
      });
      dispatcher.observe((call) => metrics.observeHook(call));
      dispatcher.useTracer(tracing?.tracer);
      // The GatewayAPI's code too, before the first plugin's Activate asks for it.
      loadPluginApi().catch(() => undefined);
      const listening = await startPublicServer({
        ...(workerCount > 1 ? { host: "127.0.0.1", port: 0 } : publicAddress),
        dispatcher,
        logger,
        version: GATEWAY_VERSION,
        ...(options.limits ? { limits: options.limits } : {}),
      });
      return { server: listening, dispatcher };
    })
    .catch(async (error: unknown) => {
      await Promise.all(table.all().map(({ supervisor }) => supervisor.kill()));
      await sandboxSupport.cgroup?.release();
      await store.close();
      throw error;
    });
  server = started.server;
  const { dispatcher } = started;
  markStart("public-listening");
  metrics.setSources({
    plugins: () => table.all().map(({ supervisor }) => supervisor.status()),
    webSocketClients: () => server?.hub.clients().length ?? 0,
    blockingTopics: () =>
      table
        .all()
        .filter(({ supervisor }) => supervisor.wanted)
        .map(({ supervisor }) => ({ pluginId: supervisor.pluginId, topics: blocking(supervisor) })),
    publicServer: () => pool?.stats() ?? (server as PublicServer).stats(),
  });
  await starting;
  markStart("plugins-active");
  if (workerCount > 1) {
    // Workers mode only: loaded on demand (node:cluster, the pool, its metrics; issue 17, memory).
    const { startGatewayWorkers } = await import("../workers/gateway-workers.js");
    pool = await startGatewayWorkers({
      count: workerCount,
      ...publicAddress,
      supervisors: () => table.all().map((entry) => entry.supervisor),
      failurePolicy,
      failurePolicyConfig: options.failurePolicy,
      dispatcher,
      metrics,
      limits: options.limits,
      maxInFlightPerPlugin: options.maxInFlightPerPlugin,
      tracing: options.tracing,
      logger,
      version: GATEWAY_VERSION,
      pluginTransport: options.pluginTransport,
    });
    stateListeners.add(() => pool?.refresh());
  }
  const publicUrl = pool?.url ?? server.url;

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
  const trustedKeys = async (): Promise<TrustedKey[]> => [
    ...(await loadTrustedKeys(trustedKeysDir(options.dataDir))),
    ...(await store.listTrustedKeys()).map((key) => parseTrustedKey(key.pem, `${key.name} (shared store)`)),
  ];
  const pluginStates = () =>
    table.all().map(({ supervisor, folder }) => ({
      pluginId: supervisor.pluginId,
      version: folder.manifest.version,
      state: supervisor.state,
    }));
  if (isPostgresStore(opened)) {
    // Cluster mode only: loaded on demand, like the PostgreSQL store (issue 17, memory).
    const [{ startClusterNode }, { createClusterDelivery }] = await Promise.all([
      import("./cluster-node.js"),
      import("./cluster-delivery.js"),
    ]);
    cluster = await startClusterNode({
      store: opened,
      nodeId,
      self: {
        publicUrl,
        get adminUrl() {
          return adminUrl;
        },
        version: GATEWAY_VERSION,
        plugins: pluginStates,
      },
      logger,
      ...(options.cluster ? { timing: options.cluster } : {}),
      table,
      records,
      installer,
      configs,
      managedDir,
      trustedKeys,
      publishLocally: (event) => {
        for (const listener of eventListeners) listener(event);
        server?.hub.publish(event);
      },
      deliverPluginMessage: createClusterDelivery(table, logger, policy.activateTimeoutMs),
    });
    stateListeners.add(() => cluster?.beat());
  }

  let stopped: Promise<void> | undefined;
  let serversClosed: Promise<void> | undefined;
  // V8's young generation back when idle (issue 17, memory: ~30 MiB of an idle gateway's RSS).
  const reclaim = startYoungGenerationReclaim();
  const closeServers = () =>
    (serversClosed ??= (async () => {
      reclaim.stop();
      await server?.close();
      await sandboxSupport.cgroup?.release();
      await store.close();
    })());
  return {
    url: publicUrl,
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
      await records.setEnabled(pluginId, true);
      cluster?.announce({ kind: "enabled", pluginId });
      await supervisor.start();
      return listing(pluginId);
    },
    async disable(pluginId) {
      const { supervisor } = table.entry(pluginId);
      await records.setEnabled(pluginId, false);
      cluster?.announce({ kind: "enabled", pluginId });
      await supervisor.stop();
      return listing(pluginId);
    },
    async restart(pluginId) {
      await table.entry(pluginId).supervisor.restart();
      return listing(pluginId);
    },
    workers: () => pool?.statuses() ?? [],
    sandbox: () => ({
      mode: sandboxSupport.mode,
      isolation: sandboxSupport.isolation,
      limits: sandboxSupport.limits,
      dedicatedUids: sandboxSupport.dedicatedUids,
      warnings: sandboxSupport.warnings,
    }),
    install: async (sourceDir) => listing(await installer.install(sourceDir)),
    async setFailMode(pluginId, topic, mode) {
      table.entry(pluginId);
      await saveFailModeOverride(store, failurePolicy, pluginId, topic, mode);
      pool?.refresh();
      logger.warn(
        { pluginId, topic: topic || "*", mode: mode ?? "(removed)" },
        "operator changed a plugin's fail mode",
      );
      return listing(pluginId);
    },
    async kill() {
      await pool?.kill();
      await Promise.all(table.all().map(({ supervisor }) => supervisor.kill()));
      await closeServers();
    },
    async remove(pluginId) {
      await installer.remove(pluginId);
      pool?.refresh();
      if (records.get(pluginId).installedVersion === undefined && !cluster) return;
      await records.setInstalledVersion(pluginId, undefined);
      await store.deleteBundles(pluginId);
      cluster?.announce({ kind: "removed", pluginId });
    },
    async recordInstall(bundle) {
      await store.putBundle({ ...bundle, storedAt: Date.now() });
      await records.setInstalledVersion(bundle.pluginId, bundle.version);
      cluster?.announce({ kind: "installed", pluginId: bundle.pluginId, version: bundle.version });
    },
    nodeId,
    get cluster() {
      return cluster;
    },
    async nodes() {
      if (cluster) return cluster.nodes();
      const now = Date.now();
      return [
        {
          nodeId,
          publicUrl,
          adminUrl,
          version: GATEWAY_VERSION,
          startedAt,
          lastSeen: now,
          status: "alive" as const,
          plugins: pluginStates(),
        },
      ];
    },
    setAdminUrl(url) {
      adminUrl = url;
      cluster?.beat();
    },
    trustedKeys,
    getConfig,
    saveConfig,
    stop() {
      stopped ??= (async () => {
        await cluster?.close();
        await pool?.stop();
        await Promise.all(table.all().map(({ supervisor }) => supervisor.stop()));
        await closeServers();
        await tracing?.tracer
          .shutdown()
          .catch((error: unknown) =>
            logger.warn({ err: PolyplugError.from(error).message }, "could not export the last spans"),
          );
      })();
      return stopped;
    },
  };
}
