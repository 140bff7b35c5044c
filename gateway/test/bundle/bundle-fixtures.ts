import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { currentPlatformKey } from "../../src/registry/manifest.js";
import { fixturePaths } from "../paths.js";

/** A temp folder for one test. */
export function tempDir(prefix = "polyplug-bundle-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Writes a plugin folder `<root>/<id>` whose executable is a copy of the scripted Go fixture
 * at `bin/scripted` (so the bundle really carries its program), intercepting `test.*`.
 */
export function scriptedPluginFolder(id: string, version: string, env: Record<string, string> = {}): string {
  const dir = path.join(tempDir("polyplug-src-"), id);
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  copyFileSync(fixturePaths.goScripted, path.join(dir, "bin", "scripted"));
  writeFileSync(path.join(dir, "README.md"), `# ${id}\n`);
  const manifest = {
    id,
    name: `Scripted ${id}`,
    version,
    executables: { [currentPlatformKey()]: "bin/scripted" },
    env: { SCRIPTED_PLUGIN_ID: id, ...env },
    hooks: { intercept: [{ topic: "test.*" }] },
  };
  writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

/** A small valid manifest (command form) as JSON text, for hand-built bundles. */
export function manifestText(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, name: id, version: "1.0.0", command: ["./run.sh"], ...extra });
}
