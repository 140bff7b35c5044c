import { watch, type FSWatcher } from "node:fs";
import path from "node:path";

/** Folders whose changes never mean "the plugin's source changed". */
const IGNORED_SEGMENTS = new Set(["node_modules", "__pycache__", "dist", "bin", "build", "target", "vendor"]);

/** Whether a changed path (relative to the plugin folder) is a source file worth a rebuild. */
export function isSourceChange(relative: string, outputs: readonly string[]): boolean {
  const normal = relative.split(path.sep).join("/");
  if (outputs.some((output) => normal === output || normal.startsWith(`${output}/`))) return false;
  const segments = normal.split("/");
  if (segments.some((segment) => segment.startsWith(".") || IGNORED_SEGMENTS.has(segment))) return false;
  return !/\.(pyc|pyo|swp|swx|tmp)$|~$/.test(normal);
}

/** A running watch; `close` stops it. */
export interface SourceWatcher {
  close(): void;
}

/**
 * Watches a plugin folder recursively and calls `onChange` with the changed source files once
 * changes have settled for `settleMs` (editors write a file in several steps). Build outputs
 * (`outputs`, relative paths), dot-folders, dependency and build folders are ignored.
 */
export function watchSources(
  dir: string,
  outputs: readonly string[],
  onChange: (files: string[]) => void,
  settleMs = 250,
): SourceWatcher {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, file) => {
    if (!file || !isSourceChange(file.toString(), outputs)) return;
    pending.add(file.toString());
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending].sort();
      pending.clear();
      onChange(files);
    }, settleMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
