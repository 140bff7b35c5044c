import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";
import { readManifest, type Manifest } from "./manifest.js";

/** A plugin folder whose manifest is valid. */
export interface PluginFolder {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly manifestFile: string;
}

/** A plugin folder that cannot be used, and why (the rest of the plugins are unaffected). */
export interface BrokenPluginFolder {
  readonly dir: string;
  readonly error: PolyplugError;
}

/** What a scan of the plugins directory found. */
export interface PluginsDirScan {
  readonly plugins: PluginFolder[];
  readonly broken: BrokenPluginFolder[];
}

/**
 * Reads every sub-folder of the `roots` that has a manifest; a root that has a manifest itself
 * is one plugin folder (so `--plugins ./my-plugin` works). A broken manifest, or two folders
 * with one id, disables only the plugins concerned.
 */
export async function scanPluginsDirs(roots: readonly string[]): Promise<PluginsDirScan> {
  const plugins: PluginFolder[] = [];
  const broken: BrokenPluginFolder[] = [];
  for (const root of roots) {
    const scan = await readPluginsDir(root);
    plugins.push(...scan.plugins);
    broken.push(...scan.broken);
  }
  return rejectDuplicateIds(plugins, broken);
}

async function readPluginsDir(root: string): Promise<PluginsDirScan> {
  const own = await readPluginFolder(root);
  if (own) return own;
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (cause) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `cannot read the plugins directory ${root}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const plugins: PluginFolder[] = [];
  const broken: BrokenPluginFolder[] = [];
  for (const entry of entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const scan = await readPluginFolder(path.join(root, entry.name));
    if (!scan) continue; // not a plugin folder
    plugins.push(...scan.plugins);
    broken.push(...scan.broken);
  }
  return { plugins, broken };
}

/** The root as a single plugin folder, or undefined when it has no manifest of its own. */
async function readPluginFolder(dir: string): Promise<PluginsDirScan | undefined> {
  try {
    const { manifest, file } = await readManifest(dir);
    return { plugins: [{ dir, manifest, manifestFile: file }], broken: [] };
  } catch (error) {
    const failure = PolyplugError.from(error);
    if (failure.code === ErrorCode.NotFound) return undefined;
    return { plugins: [], broken: [{ dir, error: failure }] };
  }
}

function rejectDuplicateIds(plugins: PluginFolder[], broken: BrokenPluginFolder[]): PluginsDirScan {
  const byId = new Map<string, PluginFolder[]>();
  for (const plugin of plugins) byId.set(plugin.manifest.id, [...(byId.get(plugin.manifest.id) ?? []), plugin]);
  const usable: PluginFolder[] = [];
  for (const [id, folders] of byId) {
    if (folders.length === 1 && folders[0]) {
      usable.push(folders[0]);
      continue;
    }
    for (const folder of folders) {
      broken.push({
        dir: folder.dir,
        error: new PolyplugError(
          ErrorCode.Conflict,
          `${folder.manifestFile}: plugin id ${JSON.stringify(id)} is used by ${folders.length} folders (${folders.map((f) => f.dir).join(", ")})`,
        ),
      });
    }
  }
  return { plugins: usable, broken };
}
