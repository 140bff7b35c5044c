import { access, readFile } from "node:fs/promises";
import path from "node:path";
import type { BundleBuildOptions } from "./bundle-build-options.js";
import type { Manifest } from "./manifest.js";
import { checkPinnedRequirements, PYTHON_REQUIREMENTS_FILE } from "./python-requirements.js";
import { runTool } from "./run-tool.js";

/** Where a bundle carries a Python plugin's wheels (the gateway installs them from there). */
export const BUNDLE_WHEELS_DIR = "wheels";

/** True when the plugin folder lists Python requirements. */
export async function isPythonPlugin(dir: string): Promise<boolean> {
  return access(path.join(dir, PYTHON_REQUIREMENTS_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * Builds the pinned requirements of the plugin in `dir` (and everything they need) into
 * `stageDir/wheels` with `pip wheel`, binary wheels preferred. The wheels match the Python
 * that ran pip: bundle with the Python version the gateway runs.
 */
export async function buildPythonWheels(
  dir: string,
  stageDir: string,
  manifest: Manifest,
  options: BundleBuildOptions,
): Promise<void> {
  const file = path.join(dir, PYTHON_REQUIREMENTS_FILE);
  checkPinnedRequirements(await readFile(file, "utf8"), file);
  const python = options.python ?? "python3";
  options.onStep?.(`pip wheel -r ${PYTHON_REQUIREMENTS_FILE}`);
  await runTool(
    python,
    [
      "-m",
      "pip",
      "wheel",
      "--disable-pip-version-check",
      "--quiet",
      "--prefer-binary",
      "--requirement",
      PYTHON_REQUIREMENTS_FILE,
      "--wheel-dir",
      path.join(stageDir, BUNDLE_WHEELS_DIR),
    ],
    {
      cwd: dir,
      what: `building the wheels of ${manifest.id}`,
    },
  );
}
