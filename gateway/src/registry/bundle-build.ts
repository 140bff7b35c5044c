import { copyFile, lstat, mkdir, mkdtemp, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildGoExecutables, isGoPlugin } from "./bundle-build-go.js";
import { installProductionModules, isNodePlugin } from "./bundle-build-node.js";
import { buildPythonWheels, isPythonPlugin } from "./bundle-build-python.js";
import type { Manifest } from "./manifest.js";
import type { BundleBuildOptions } from "./bundle-build-options.js";

export type { BundleBuildOptions } from "./bundle-build-options.js";

/** A staged copy of a plugin folder with its build outputs, removed by `cleanup`. */
export interface Stage {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/**
 * Copies the listed paths of the plugin folder `dir` into a private temp folder and builds
 * into it what the plugin needs at run time, each only when the folder has its marker file:
 * - `go.mod` and `executables`: `go build` for every os-arch the manifest lists (GOOS/GOARCH,
 *   CGO off), to the path the manifest names;
 * - `requirements.txt` (every line pinned): `pip wheel` into `wheels/`, from which the gateway
 *   makes the plugin's own venv at install, offline;
 * - `package.json` with dependencies: `npm ci --omit=dev` (or `npm install` without a lock)
 *   into the stage's `node_modules/`, so the bundle runs without any other node_modules.
 * Throws `failed_precondition` naming the tool that failed, with its output.
 */
export async function buildIntoStage(
  dir: string,
  manifest: Manifest,
  relatives: readonly string[],
  options: BundleBuildOptions,
): Promise<Stage> {
  const stageDir = await mkdtemp(path.join(tmpdir(), "polyplug-bundle-"));
  const cleanup = () => rm(stageDir, { recursive: true, force: true });
  try {
    for (const relative of [...relatives].sort()) {
      const source = path.join(dir, relative);
      const target = path.join(stageDir, relative);
      const info = await lstat(source);
      if (info.isDirectory()) await mkdir(target, { recursive: true });
      else if (info.isSymbolicLink()) await symlink(await readlink(source), target);
      else if (info.isFile()) await copyFile(source, target);
      // Anything else (fifo, socket) is refused by the packer: leave it out here.
    }
    if (await isGoPlugin(dir, manifest)) await buildGoExecutables(dir, stageDir, manifest, options);
    if (await isPythonPlugin(dir)) await buildPythonWheels(dir, stageDir, manifest, options);
    if (await isNodePlugin(stageDir)) await installProductionModules(stageDir, manifest, options);
    return { dir: stageDir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
