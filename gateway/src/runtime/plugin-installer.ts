import { rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { checkGatewayVersion, readManifest, resolveLaunchCommand } from "../registry/manifest.js";
import type { PluginFolder } from "../registry/plugins-dir.js";
import type { Supervisor } from "../supervision/supervisor.js";
import { pluginInterpreters, preparePluginEnvironment } from "./plugin-environment.js";
import { swapInPluginFolder } from "./plugin-install.js";
import type { PluginTable } from "./plugin-table.js";
import { GATEWAY_VERSION } from "./version.js";

/** What the installer needs from the gateway. */
export interface PluginInstallerOptions {
  readonly table: PluginTable;
  /** `<dataDir>/plugins`: the only folder the installer writes to or deletes from. */
  readonly managedDir: string;
  readonly logger: Logger;
  /** Interpreters for manifests' `command`, as the gateway resolves them. */
  readonly interpreters: Readonly<Record<string, string>>;
  /** Creates (and registers in `table`) a supervisor for a folder; throws when the plugin cannot run here. */
  supervise(folder: PluginFolder): Supervisor;
  /** Whether the operator left the plugin enabled. */
  isEnabled(pluginId: string): boolean;
}

/** Installs, upgrades (with rollback) and removes plugins in the managed folder. */
export interface PluginInstaller {
  /** Installs or upgrades the plugin unpacked in `sourceDir`; resolves with its id once it runs (or is installed disabled). */
  install(sourceDir: string): Promise<string>;
  /** Stops an installed plugin and deletes its folder. */
  remove(pluginId: string): Promise<void>;
}

/** True when `dir` is a plugin folder the gateway installed. */
export function isManaged(managedDir: string, dir: string): boolean {
  return path.dirname(dir) === managedDir;
}

/** The installer for one gateway. */
export function createPluginInstaller(options: PluginInstallerOptions): PluginInstaller {
  const { table, managedDir, logger } = options;

  const install = async (sourceDir: string): Promise<string> => {
    const { manifest, file } = await readManifest(sourceDir);
    checkGatewayVersion(manifest, GATEWAY_VERSION);
    // The plugin's own environment (a venv from its wheels) is built before anything is swapped.
    await preparePluginEnvironment(sourceDir, manifest, options.interpreters.python);
    resolveLaunchCommand(manifest, sourceDir, pluginInterpreters(sourceDir, options.interpreters));
    const existing = table.has(manifest.id) ? table.entry(manifest.id) : undefined;
    if (existing && !isManaged(managedDir, existing.folder.dir)) {
      throw new PolyplugError(
        ErrorCode.Conflict,
        `plugin ${manifest.id} is provided by ${existing.folder.dir}, which the gateway does not manage; remove it there first`,
      );
    }
    if (existing) await existing.supervisor.stop();
    const swap = await swapInPluginFolder(managedDir, manifest.id, sourceDir);
    const folder: PluginFolder = { dir: swap.dir, manifest, manifestFile: path.join(swap.dir, path.basename(file)) };
    const supervisor = options.supervise(folder);
    if (!options.isEnabled(manifest.id)) {
      await swap.commit();
      return manifest.id;
    }
    await supervisor.start();
    if (supervisor.state === "active") {
      await swap.commit();
      logger.info(
        { pluginId: manifest.id, version: manifest.version },
        existing ? "plugin upgraded" : "plugin installed",
      );
      return manifest.id;
    }
    // The new version did not come up: put the previous one back and start it again.
    const failure = supervisor.status().lastError;
    await supervisor.stop();
    await swap.rollback();
    table.delete(manifest.id);
    let rolledBackTo = "";
    if (existing) {
      await options.supervise(existing.folder).start();
      rolledBackTo = `; rolled back to version ${existing.folder.manifest.version}`;
    }
    throw new PolyplugError(
      ErrorCode.FailedPrecondition,
      `plugin ${manifest.id} ${manifest.version} failed to activate: ${failure?.message ?? "unknown error"}${rolledBackTo}`,
      {
        details: { pluginId: manifest.id },
      },
    );
  };

  const remove = async (pluginId: string): Promise<void> => {
    const { supervisor, folder } = table.entry(pluginId);
    if (!isManaged(managedDir, folder.dir)) {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `plugin ${pluginId} lives in ${folder.dir}, which the gateway does not manage; delete it there`,
      );
    }
    await supervisor.stop();
    table.delete(pluginId);
    await rm(folder.dir, { recursive: true, force: true });
    logger.info({ pluginId }, "plugin removed");
  };

  return { install, remove };
}
