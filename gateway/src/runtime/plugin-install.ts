import { randomBytes } from "node:crypto";
import { cp, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";

/** Where installed plugins live: `<dataDir>/plugins/<plugin id>`. */
export function managedPluginsDir(dataDir: string): string {
  return path.join(dataDir, "plugins");
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

/** A plugin folder swap that can be committed or undone. */
export interface FolderSwap {
  /** The new plugin's folder (its final place). */
  readonly dir: string;
  /** True when an earlier version was moved aside. */
  readonly replaced: boolean;
  /** Deletes the earlier version. */
  commit(): Promise<void>;
  /** Deletes the new version and puts the earlier one back. */
  rollback(): Promise<void>;
}

/**
 * Copies `sourceDir` next to its final place, then swaps it in with renames on one file
 * system, keeping the earlier version aside until `commit` or `rollback`. Nothing is
 * touched in the final place until the copy is complete.
 */
export async function swapInPluginFolder(managedDir: string, pluginId: string, sourceDir: string): Promise<FolderSwap> {
  if (!/^[a-zA-Z0-9._-]{3,190}$/.test(pluginId))
    throw new PolyplugError(ErrorCode.InvalidArgument, `invalid plugin id ${JSON.stringify(pluginId)}`);
  await mkdir(managedDir, { recursive: true, mode: 0o700 });
  const target = path.join(managedDir, pluginId);
  const suffix = randomBytes(4).toString("hex");
  const staging = path.join(managedDir, `.${pluginId}.staging-${suffix}`);
  const previous = path.join(managedDir, `.${pluginId}.previous-${suffix}`);
  try {
    await cp(sourceDir, staging, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw new PolyplugError(
      ErrorCode.Internal,
      `could not copy the plugin into ${managedDir}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const replaced = await exists(target);
  if (replaced) await rename(target, previous);
  await rename(staging, target);
  return {
    dir: target,
    replaced,
    commit: async () => {
      if (replaced) await rm(previous, { recursive: true, force: true });
    },
    rollback: async () => {
      await rm(target, { recursive: true, force: true });
      if (replaced) await rename(previous, target);
    },
  };
}
