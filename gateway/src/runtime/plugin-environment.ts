import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "../registry/manifest.js";

/** A plugin's own Python environment, inside its folder. */
export const PLUGIN_VENV_DIR = ".venv";

/** The longest a plugin's venv may take to build at install (creation plus offline pip install). */
export const PLUGIN_VENV_TIMEOUT_MS = 5 * 60_000;

function venvPython(dir: string): string {
  return path.join(dir, PLUGIN_VENV_DIR, "bin", "python");
}

/**
 * Builds the runtime environment of an unpacked bundle in `dir`, before it is installed:
 * when it carries `wheels/` and runs a `command` (not a binary), a fresh venv (`.venv`,
 * replacing any the bundle carried) made by `basePython -m venv`, into which every wheel
 * is installed with `pip --no-index` — offline, from the bundle alone. A bundle without
 * wheels is left as it is. Throws `failed_precondition` with pip's output when a wheel does
 * not fit this Python (bundle with the Python version the gateway runs).
 */
export async function preparePluginEnvironment(dir: string, manifest: Manifest, basePython = "python3"): Promise<void> {
  // Installs only: the bundle tooling and execa stay out of a gateway's start (issue 17, row 4).
  const [{ BUNDLE_WHEELS_DIR }, { runTool }] = await Promise.all([
    import("../registry/bundle-build-python.js"),
    import("../registry/run-tool.js"),
  ]);
  const wheelsDir = path.join(dir, BUNDLE_WHEELS_DIR);
  if (!manifest.command || !existsSync(wheelsDir)) return;
  const wheels = (await readdir(wheelsDir))
    .filter((name) => name.endsWith(".whl"))
    .map((name) => path.join(wheelsDir, name));
  const what = `creating the Python environment of ${manifest.id}`;
  await runTool(basePython, ["-m", "venv", "--clear", path.join(dir, PLUGIN_VENV_DIR)], {
    cwd: dir,
    what,
    timeoutMs: PLUGIN_VENV_TIMEOUT_MS,
  });
  if (wheels.length === 0) return;
  await runTool(
    venvPython(dir),
    [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--quiet",
      "--no-index",
      "--find-links",
      wheelsDir,
      ...wheels,
    ],
    {
      cwd: dir,
      env: { PIP_NO_INPUT: "1" },
      what,
      timeoutMs: PLUGIN_VENV_TIMEOUT_MS,
    },
  );
}

/**
 * The interpreters for one plugin: its own venv's python (`<dir>/.venv/bin/python`) for
 * `python`/`python3` when it has one, the gateway's shared ones otherwise.
 */
export function pluginInterpreters(
  dir: string,
  interpreters: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const own = venvPython(dir);
  return existsSync(own) ? { ...interpreters, python: own, python3: own } : interpreters;
}
