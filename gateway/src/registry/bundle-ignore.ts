import { readFile } from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";

/** The files whose gitignore-style rules `polyplug bundle` honours, in this order (later rules win). */
export const BUNDLE_IGNORE_FILES = [".gitignore", ".polyplugignore"] as const;

/**
 * Never packed from the author's folder, whatever the ignore files say: version control,
 * editor litter, local environments (a venv's links point outside the folder) and installed
 * node_modules (`polyplug bundle` installs the production ones itself). `.polyplugignore` can
 * re-include any of them with `!pattern`.
 */
export const DEFAULT_BUNDLE_IGNORES = [
  ".git/",
  ".DS_Store",
  ".venv/",
  "venv/",
  "__pycache__/",
  "*.pyc",
  "node_modules/",
];

/** Decides whether a path of the plugin folder stays out of the bundle. */
export interface BundleIgnore {
  /** `relative` uses `/` separators; `isDirectory` matters for `dir/` patterns. */
  ignores(relative: string, isDirectory: boolean): boolean;
}

/**
 * Reads the ignore rules of the plugin folder `dir`: DEFAULT_BUNDLE_IGNORES, then its
 * `.gitignore`, then its `.polyplugignore` (gitignore syntax, matched by the `ignore`
 * package; only the files at the folder's top level are read).
 */
export async function readBundleIgnore(dir: string): Promise<BundleIgnore> {
  const rules = ignore().add(DEFAULT_BUNDLE_IGNORES);
  for (const name of BUNDLE_IGNORE_FILES) {
    const text = await readFile(path.join(dir, name), "utf8").catch(() => undefined);
    if (text !== undefined) rules.add(text);
  }
  return { ignores: (relative, isDirectory) => rules.ignores(isDirectory ? `${relative}/` : relative) };
}

/** Ignores nothing: for folders already filtered (a staged build). */
export const KEEP_EVERYTHING: BundleIgnore = { ignores: () => false };
