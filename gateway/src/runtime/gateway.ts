import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { GatewayAPI } from "../gen/polyplug/v1/gateway_api_pb.js";
import { Hook } from "../gen/polyplug/v1/plugin_pb.js";
import type { PluginClient } from "../host/plugin-client.js";
import { addRpcService } from "../rpc/server.js";
import type { ActivePlugin, ActivePlugins } from "../dispatch/active-plugins.js";
import { commandConflicts } from "../dispatch/commands.js";
import { GatewayDispatcher } from "../dispatch/gateway-dispatcher.js";
import { newHookContext } from "../dispatch/hook-context.js";
import { createGatewayApiHandlers } from "../plugin-api/gateway-api.js";
import { checkGatewayVersion, resolveLaunchCommand } from "../registry/manifest.js";
import { scanPluginsDirs, type BrokenPluginFolder, type PluginFolder } from "../registry/plugins-dir.js";
import { defaultConfiguration, validateConfiguration } from "../registry/settings.js";
import { openSqliteStore } from "../store/sqlite-store.js";
import type { GatewayStore } from "../store/store.js";
import { startPublicServer, type PublicServer } from "../surfaces/public-server.js";
import { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from "../supervision/policy.js";
import { Supervisor, type PluginStatus } from "../supervision/supervisor.js";
import { GATEWAY_VERSION } from "./version.js";

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** Folders with one sub-folder per plugin (each with plugin.json or plugin.yaml). */
  readonly pluginsDirs: readonly string[];
  /** Folder for the SQLite database and other state (created if missing). */
  readonly dataDir: string;
  /** Public API listen address (default 127.0.0.1:8080; port 0 picks a free port). */
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  /** Supervision numbers (health interval, backoff, crash loop...). */
  readonly policy?: { readonly [K in keyof SupervisionPolicy]?: SupervisionPolicy[K] | undefined };
  /** AutoMTLS between gateway and plugins (default true). */
  readonly autoMtls?: boolean;
  /** Interpreters for manifests' `command` (e.g. { python: "/path/.venv/bin/python" }). */
  readonly interpreters?: Readonly<Record<string, string>>;
  /** Parent of the plugins' private socket directories (default: the OS temp dir). */
  readonly socketDirBase?: string;
  /** Use this store instead of opening `<dataDir>/polyplug.db`. */
  readonly store?: GatewayStore;
}

/** A plugin as the gateway lists it. */
export interface PluginListing extends PluginStatus {
  readonly name: string;
  readonly version: string;
  readonly enabled: boolean;
  readonly dir: string;
}

/** A running gateway. */
export interface Gateway {
  readonly url: string;
  readonly dispatcher: GatewayDispatcher;
  readonly store: GatewayStore;
  plugins(): PluginListing[];
  brokenPlugins(): readonly BrokenPluginFolder[];
  enable(pluginId: string): Promise<void>;
  disable(pluginId: string): Promise<void>;
  restart(pluginId: string): Promise<void>;
  getConfig(pluginId: string): JsonObject;
  saveConfig(pluginId: string, config: JsonObject, originPluginId?: string): Promise<JsonObject>;
  /** Deactivates and stops every plugin, closes servers and the store. */
  stop(): Promise<void>;
}

class PluginTable implements ActivePlugins {
  readonly supervisors = new Map<string, { supervisor: Supervisor; folder: PluginFolder }>();

  private toActive(supervisor: Supervisor): ActivePlugin | undefined {
    const session = supervisor.session;
    if (!session) return undefined;
    return {
      pluginId: supervisor.pluginId,
      manifest: supervisor.manifest,
      session,
      reportHookTimeout: (hook) => supervisor.reportHookTimeout(hook),
      reportHookSuccess: () => supervisor.reportHookSuccess(),
    };
  }

  list(): ActivePlugin[] {
    return [...this.supervisors.values()].map(({ supervisor }) => this.toActive(supervisor)).filter((p): p is ActivePlugin => p !== undefined);
  }

  get(pluginId: string): ActivePlugin | undefined {
    const entry = this.supervisors.get(pluginId);
    return entry ? this.toActive(entry.supervisor) : undefined;
  }

  entry(pluginId: string): { supervisor: Supervisor; folder: PluginFolder } {
    const entry = this.supervisors.get(pluginId);
    if (!entry) throw new PolyplugError(ErrorCode.NotFound, `no plugin with id ${JSON.stringify(pluginId)}`);
    return entry;
  }
}

/**
 * Starts a gateway: opens the store, starts the public server (Connect API, HTTP routes,
 * WebSocket events), scans the plugins directory and starts every enabled plugin under a
 * supervisor. Broken manifests are reported and skip only their plugin.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const store = options.store ?? openSqliteStore(path.join(options.dataDir, "polyplug.db"));
  const overrides = Object.entries(options.policy ?? {}).filter(([, value]) => value !== undefined);
  const policy: SupervisionPolicy = { ...DEFAULT_SUPERVISION_POLICY, ...Object.fromEntries(overrides) };
  const table = new PluginTable();
  const dispatcher = new GatewayDispatcher(table, logger);
  const instanceId = randomUUID();
  let server: PublicServer | undefined;

  const manifestOf = (pluginId: string) => table.entry(pluginId).folder.manifest;
  const getConfig = (pluginId: string): JsonObject => {
    const settings = manifestOf(pluginId).settings;
    const saved = store.getPluginRecord(pluginId).config;
    if (!saved) return defaultConfiguration(settings);
    try {
      return validateConfiguration(settings, saved);
    } catch (error) {
      logger.warn({ pluginId, err: PolyplugError.from(error).message }, "saved configuration no longer fits the settings schema; using defaults");
      return defaultConfiguration(settings);
    }
  };
  const saveConfig = (pluginId: string, config: JsonObject, originPluginId?: string): JsonObject => {
    const validated = validateConfiguration(manifestOf(pluginId).settings, config);
    store.savePluginConfig(pluginId, validated);
    const { supervisor } = table.entry(pluginId);
    const session = supervisor.session;
    if (session?.implements(Hook.CONFIGURATION_CHANGED)) {
      const timeoutMs = policy.activateTimeoutMs;
      const context = newHookContext({ pluginId, timeoutMs, ...(originPluginId ? { originPluginId } : {}) });
      void session.rpc
        .configurationChanged({ context, configuration: validated }, { deadline: timeoutMs })
        .then((answer) => answer.error && logger.warn({ pluginId, err: answer.error.message }, "plugin rejected its new configuration"))
        .catch((error: unknown) => logger.warn({ pluginId, err: PolyplugError.from(error).message }, "could not deliver the new configuration"));
    } else if (session) {
      void supervisor.restart();
    }
    return validated;
  };

  const serveGatewayApi = async (pluginId: string, host: PluginClient): Promise<number> => {
    const id = host.broker.nextId();
    const pluginLogger = logger.child({ pluginId, source: "plugin-api" });
    await host.broker.acceptAndServe(id, (grpcServer) =>
      addRpcService(
        grpcServer,
        GatewayAPI,
        createGatewayApiHandlers({
          pluginId,
          store,
          logger: pluginLogger,
          events: { publish: (event) => server?.hub.publish(event) ?? 0 },
          config: { get: () => getConfig(pluginId), save: (config) => saveConfig(pluginId, config, pluginId) },
        }),
      ),
    );
    return id;
  };

  server = await startPublicServer({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080, dispatcher, logger });
  const scan = await scanPluginsDirs(options.pluginsDirs);
  for (const broken of scan.broken) logger.error({ dir: broken.dir, code: broken.error.code }, `plugin disabled: ${broken.error.message}`);

  for (const folder of scan.plugins) {
    const { manifest } = folder;
    const pluginLogger = logger.child({ pluginId: manifest.id });
    let launch;
    try {
      checkGatewayVersion(manifest, GATEWAY_VERSION);
      launch = resolveLaunchCommand(manifest, folder.dir, { node: process.execPath, ...options.interpreters });
    } catch (error) {
      scan.broken.push({ dir: folder.dir, error: PolyplugError.from(error) });
      logger.error({ dir: folder.dir }, `plugin disabled: ${PolyplugError.from(error).message}`);
      continue;
    }
    const supervisor = new Supervisor({
      manifest,
      dir: folder.dir,
      launch,
      policy,
      logger: pluginLogger,
      hostOptions: { autoMtls: options.autoMtls ?? true, ...(options.socketDirBase ? { socketDirBase: options.socketDirBase } : {}) },
      serveGatewayApi: (host) => serveGatewayApi(manifest.id, host),
      configuration: () => getConfig(manifest.id),
      gatewayVersion: GATEWAY_VERSION,
      instanceId,
    });
    supervisor.on("state", (status) => {
      if (status.state !== "active") return;
      for (const conflict of commandConflicts(table.list())) {
        logger.error(conflict, `command /${conflict.command} is claimed by several plugins (${conflict.pluginIds.join(", ")}); it will answer with a conflict error until all but one are disabled`);
      }
    });
    table.supervisors.set(manifest.id, { supervisor, folder });
  }

  const enabled = (pluginId: string) => store.getPluginRecord(pluginId).enabled ?? true;
  await Promise.all([...table.supervisors.values()].filter(({ supervisor }) => enabled(supervisor.pluginId)).map(({ supervisor }) => supervisor.start()));

  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    dispatcher,
    store,
    plugins: () =>
      [...table.supervisors.values()].map(({ supervisor, folder }) => ({
        ...supervisor.status(),
        name: folder.manifest.name,
        version: folder.manifest.version,
        enabled: enabled(supervisor.pluginId),
        dir: folder.dir,
      })),
    brokenPlugins: () => scan.broken,
    async enable(pluginId) {
      const { supervisor } = table.entry(pluginId);
      store.setPluginEnabled(pluginId, true);
      await supervisor.start();
    },
    async disable(pluginId) {
      const { supervisor } = table.entry(pluginId);
      store.setPluginEnabled(pluginId, false);
      await supervisor.stop();
    },
    restart: (pluginId) => table.entry(pluginId).supervisor.restart(),
    getConfig,
    saveConfig: async (pluginId, config, originPluginId) => saveConfig(pluginId, config, originPluginId),
    stop() {
      stopped ??= (async () => {
        await Promise.all([...table.supervisors.values()].map(({ supervisor }) => supervisor.stop()));
        await server?.close();
        store.close();
      })();
      return stopped;
    },
  };
}
