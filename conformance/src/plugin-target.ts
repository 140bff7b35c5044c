import { readFile, stat } from "node:fs/promises";
import path from "node:path";

/** The plugin executable under test. */
export interface PluginTarget {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** Human label for reports (the command line). */
  readonly label: string;
}

/**
 * Resolves what the user named after `--`: a command with arguments, or a single plugin
 * directory holding a `plugin.json` manifest whose `executables["<os>-<arch>"]` names the
 * executable (relative to the directory).
 */
export async function resolveTarget(argv: readonly string[]): Promise<PluginTarget> {
  const [first, ...rest] = argv;
  if (!first)
    throw new Error("no plugin given: use `polyplug conformance [options] -- COMMAND [ARGS...]` or a plugin directory");
  const info = await stat(first).catch(() => undefined);
  if (info?.isDirectory() && rest.length === 0) {
    const manifestPath = path.join(first, "plugin.json");
    const manifest = JSON.parse(
      await readFile(manifestPath, "utf8").catch(() => {
        throw new Error(`${first} is a directory without a plugin.json manifest`);
      }),
    ) as { executables?: Record<string, string> };
    const key = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
    const executable = manifest.executables?.[key];
    if (!executable) throw new Error(`${manifestPath} has no executables["${key}"] entry for this platform`);
    const command = path.resolve(first, executable);
    return { command, args: [], cwd: path.resolve(first), label: command };
  }
  return { command: first, args: rest, cwd: undefined, label: [first, ...rest].join(" ") };
}
