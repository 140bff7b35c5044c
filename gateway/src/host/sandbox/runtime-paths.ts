import { constants } from "node:fs";
import { access, readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";

/** System directories every sandbox mounts read-only: a plugin's runtime never needs more of them. */
export const SYSTEM_DIRS: readonly string[] = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** Files of /etc that runtimes read (dynamic linker cache, TLS roots, name resolution, time zone, user names). */
export const ETC_FILES: readonly string[] = [
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/host.conf",
  "/etc/gai.conf",
  "/etc/localtime",
  "/etc/passwd",
  "/etc/group",
  "/etc/mime.types",
];

/** True when `child` is `parent` or inside it. */
export function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

const underSystem = (p: string) => SYSTEM_DIRS.some((dir) => isWithin(p, dir));

async function exists(p: string): Promise<boolean> {
  try {
    await access(p, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a bare command name through PATH, as execvp would. */
export async function resolveExecutable(command: string, searchPath: string | undefined): Promise<string | undefined> {
  if (command.includes("/")) return path.resolve(command);
  for (const dir of (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** A Python virtual environment around `executable`: the venv, its base interpreter's prefix and the folders its .pth files add. */
async function venvPaths(executable: string): Promise<string[]> {
  const venv = path.dirname(path.dirname(executable));
  const cfg = await readFile(path.join(venv, "pyvenv.cfg"), "utf8").catch(() => undefined);
  if (cfg === undefined) return [];
  const paths = [venv];
  const home = /^home\s*=\s*(.+)$/m.exec(cfg)?.[1]?.trim();
  if (home) paths.push(path.dirname(home));
  // Editable installs (`pip install -e`) put their source folder in a .pth file.
  for (const lib of await readdir(path.join(venv, "lib")).catch(() => [])) {
    const site = path.join(venv, "lib", lib, "site-packages");
    for (const name of await readdir(site).catch(() => [])) {
      if (!name.endsWith(".pth")) continue;
      const text = await readFile(path.join(site, name), "utf8").catch(() => "");
      for (const line of text.split("\n").map((l) => l.trim())) {
        if (path.isAbsolute(line) && (await stat(line).catch(() => undefined))?.isDirectory()) paths.push(line);
      }
    }
  }
  return paths;
}

/**
 * The node_modules folders a Node plugin resolves packages from: those of its folder and its
 * ancestors, and for every linked package in them (`npm link`, workspaces, `file:`
 * dependencies) the package's real folder and the node_modules folders that one resolves from.
 */
async function nodeModulesPaths(pluginDir: string): Promise<string[]> {
  const paths: string[] = [];
  const visited = new Set<string>();
  const pending = [pluginDir];
  while (pending.length > 0 && visited.size < 64) {
    const start = pending.pop() ?? pluginDir;
    for (let dir = start; ; dir = path.dirname(dir)) {
      const modules = path.join(dir, "node_modules");
      if (!visited.has(modules) && (await exists(modules))) {
        visited.add(modules);
        paths.push(modules);
        for (const target of await linkedPackages(modules)) {
          if (isWithin(target, modules)) continue;
          paths.push(target);
          pending.push(target);
        }
      }
      if (dir === path.dirname(dir)) break;
    }
  }
  return paths;
}

/** Real folders of the symlinked packages in a node_modules folder (scoped ones included). */
async function linkedPackages(modules: string): Promise<string[]> {
  const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
  const scoped = await Promise.all(
    entries
      .filter((e) => e.name.startsWith("@") && e.isDirectory())
      .map(async (e) =>
        (await readdir(path.join(modules, e.name), { withFileTypes: true }).catch(() => [])).map((s) => ({
          parent: path.join(modules, e.name),
          entry: s,
        })),
      ),
  );
  const targets: string[] = [];
  for (const { parent, entry } of [...entries.map((entry) => ({ parent: modules, entry })), ...scoped.flat()]) {
    if (!entry.isSymbolicLink()) continue;
    const target = await realpath(path.join(parent, entry.name)).catch(() => undefined);
    if (target) targets.push(target);
  }
  return targets;
}

/**
 * What a plugin's runtime needs besides the system directories, all mounted read-only: the
 * executable (its real file when it is a link), for a Python venv interpreter the venv, the base
 * interpreter's prefix and editable-install sources, for Node the node_modules folders the
 * plugin resolves from. Paths inside the plugin folder or the system directories are left out.
 * Manifest arguments are never mounted: a plugin author must not be able to name a host path.
 */
export async function runtimePaths(options: {
  readonly command: string;
  readonly pluginDir: string;
  readonly searchPath: string | undefined;
  readonly nodeExecutable: string;
}): Promise<string[]> {
  const executable = await resolveExecutable(options.command, options.searchPath);
  if (!executable) return [];
  const real = await realpath(executable).catch(() => executable);
  const found = new Set<string>([executable, real, ...(await venvPaths(executable))]);
  const isNode =
    real === (await realpath(options.nodeExecutable).catch(() => options.nodeExecutable)) ||
    /^node(js)?$/.test(path.basename(real));
  if (isNode) for (const p of await nodeModulesPaths(options.pluginDir)) found.add(p);
  return withoutNested([...found].filter((p) => !isWithin(p, options.pluginDir) && !underSystem(p)));
}

/** Drops paths inside another path of the list (one bind mount covers them), sorted. */
export function withoutNested(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((parent) => isWithin(p, parent))) kept.push(p);
  return kept.sort();
}
