import { access, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { BundleBuildOptions } from "./bundle-build-options.js";
import type { Manifest } from "./manifest.js";
import { runTool } from "./run-tool.js";

/** True when the (staged) folder has a package.json with runtime dependencies. */
export async function isNodePlugin(dir: string): Promise<boolean> {
  const text = await readFile(path.join(dir, "package.json"), "utf8").catch(() => undefined);
  if (text === undefined) return false;
  try {
    const dependencies = (JSON.parse(text) as { dependencies?: Record<string, string> }).dependencies;
    return dependencies !== undefined && Object.keys(dependencies).length > 0;
  } catch {
    return false;
  }
}

/**
 * Installs the production dependencies into `stageDir/node_modules` (`npm ci --omit=dev`
 * with a package-lock.json, `npm install --omit=dev` without), install scripts off. The
 * `.bin` link folders are dropped: nothing runs them at plugin run time.
 */
export async function installProductionModules(
  stageDir: string,
  manifest: Manifest,
  options: BundleBuildOptions,
): Promise<void> {
  const locked = await access(path.join(stageDir, "package-lock.json")).then(
    () => true,
    () => false,
  );
  options.onStep?.(`npm ${locked ? "ci" : "install"} --omit=dev`);
  await runTool(
    "npm",
    [locked ? "ci" : "install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
    {
      cwd: stageDir,
      what: `installing the production node_modules of ${manifest.id}`,
    },
  );
  await rm(path.join(stageDir, "node_modules", ".bin"), { recursive: true, force: true });
}
