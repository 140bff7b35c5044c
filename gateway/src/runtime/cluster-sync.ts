import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { ClusterEnvelope } from "../cluster/cluster-message.js";
import type { PublishedEvent } from "../plugin-api/events.js";
import { readBundle } from "../registry/bundle.js";
import type { TrustedKey } from "../registry/signature-keys.js";
import type { BundleStore } from "../store/store.js";
import type { PluginConfigs } from "./plugin-config.js";
import { isManaged, type PluginInstaller } from "./plugin-installer.js";
import type { PluginRecords } from "./plugin-records.js";
import type { PluginTable } from "./plugin-table.js";

/** What cluster convergence works on: this node's plugins and the shared store. */
export interface ClusterSyncDeps {
  readonly table: PluginTable;
  readonly records: PluginRecords;
  readonly installer: PluginInstaller;
  readonly configs: Pick<PluginConfigs, "deliver">;
  readonly bundles: BundleStore;
  readonly managedDir: string;
  readonly logger: Logger;
  /** Trusted keys to verify a stored bundle's signature with. */
  trustedKeys(): Promise<readonly TrustedKey[]>;
  /** Delivers a remote plugin event to this node's WebSocket clients. */
  publishLocally(event: PublishedEvent): void;
  /** Delivers a plugin's cluster message to its local copy. */
  deliverPluginMessage(pluginId: string, topic: string, payload: PublishedEvent["payload"], fromNode: string): void;
}

/** Applies cluster messages to this node. */
export interface ClusterSync {
  /** Handles one message from another node. */
  receive(envelope: ClusterEnvelope): void;
  /** Re-reads one plugin's shared state and makes the local copy match it. */
  converge(pluginId: string): Promise<void>;
  /** Re-reads every plugin's shared state (at start, and after the LISTEN connection was lost). */
  convergeAll(): Promise<void>;
  /** Resolves when every queued convergence has finished. */
  idle(): Promise<void>;
}

/**
 * Convergence: the shared store is the truth; messages only say which plugin to look at.
 * Work for one plugin runs one step at a time (a queue per plugin), so an install and an
 * enable arriving together cannot race. Failures are logged and leave the plugin in a
 * state the node's status shows (e.g. `failed`), never crash the node.
 */
export function createClusterSync(deps: ClusterSyncDeps): ClusterSync {
  const { table, records, installer, logger } = deps;
  const queues = new Map<string, Promise<void>>();

  const installFromStore = async (pluginId: string, version: string): Promise<void> => {
    const stored = await deps.bundles.getBundle(pluginId, version);
    if (!stored)
      throw new PolyplugError(ErrorCode.NotFound, `the shared store has no bundle for ${pluginId} ${version}`);
    const bundle = await readBundle(stored.bytes, {
      trustedKeys: await deps.trustedKeys(),
      requireSignature: false,
      ...(stored.signature ? { signature: stored.signature } : {}),
    });
    try {
      if (bundle.sha256 !== stored.sha256)
        throw new PolyplugError(
          ErrorCode.FailedPrecondition,
          `stored bundle ${pluginId} ${version} does not match its recorded SHA-256`,
        );
      if (bundle.manifest.id !== pluginId || bundle.manifest.version !== version) {
        throw new PolyplugError(
          ErrorCode.FailedPrecondition,
          `stored bundle ${pluginId} ${version} holds ${bundle.manifest.id} ${bundle.manifest.version}`,
        );
      }
      await installer.install(bundle.dir);
      logger.info({ pluginId, version }, "cluster: installed the version the cluster runs");
    } finally {
      await bundle.cleanup();
    }
  };

  const convergeNow = async (pluginId: string): Promise<void> => {
    const record = await records.refresh(pluginId);
    const entry = table.has(pluginId) ? table.entry(pluginId) : undefined;
    const managed = entry !== undefined && isManaged(deps.managedDir, entry.folder.dir);
    if (record.installedVersion !== undefined && entry?.folder.manifest.version !== record.installedVersion) {
      if (entry && !managed) {
        logger.warn(
          { pluginId },
          `cluster runs ${pluginId} ${record.installedVersion}, but this node has it in an unmanaged folder (${entry.folder.dir}); leaving it`,
        );
      } else {
        await installFromStore(pluginId, record.installedVersion);
      }
    } else if (record.installedVersion === undefined && managed) {
      await installer.remove(pluginId);
      logger.info({ pluginId }, "cluster: removed a plugin the cluster no longer runs");
      return;
    }
    if (!table.has(pluginId)) return;
    const { supervisor } = table.entry(pluginId);
    if (record.enabled ?? true) await supervisor.start();
    else await supervisor.stop();
  };

  const converge = (pluginId: string): Promise<void> => {
    const previous = queues.get(pluginId) ?? Promise.resolve();
    const next = previous
      .then(() => convergeNow(pluginId))
      .catch((error: unknown) =>
        logger.error(
          { pluginId, err: PolyplugError.from(error).message },
          "cluster: could not converge the plugin to the cluster's state",
        ),
      );
    queues.set(pluginId, next);
    void next.then(() => {
      if (queues.get(pluginId) === next) queues.delete(pluginId);
    });
    return next;
  };

  const convergeAll = async (): Promise<void> => {
    await records.load();
    const ids = new Set<string>(table.all().map(({ supervisor }) => supervisor.pluginId));
    for (const { pluginId, installedVersion } of records.all()) if (installedVersion !== undefined) ids.add(pluginId);
    await Promise.all([...ids].map(converge));
  };

  return {
    receive({ from, message }) {
      switch (message.kind) {
        case "event":
          deps.publishLocally(message.event);
          return;
        case "plugin":
          deps.deliverPluginMessage(message.pluginId, message.topic, message.payload, from);
          return;
        case "config":
          void converge(message.pluginId).then(() => deps.configs.deliver(message.pluginId, message.originPluginId));
          return;
        case "enabled":
        case "installed":
        case "removed":
          void converge(message.pluginId);
          return;
      }
    },
    converge,
    convergeAll,
    async idle() {
      while (queues.size > 0) await Promise.all([...queues.values()]);
    },
  };
}
