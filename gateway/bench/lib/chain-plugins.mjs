// Plugins folders for the end-to-end and memory benchmarks: N copies of the scripted Go
// plugin (examples-go/bin/scripted), each its own process, all intercepting `test.*` and
// proceeding (the scripted default).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { paths } from "./paths.mjs";

/** The topic every benchmark plugin intercepts. */
export const CHAIN_TOPIC = "test.bench";

/**
 * Plugin ids of a chain of `count`, in chain order.
 * @param {number} count
 */
export function chainIds(count) {
  return Array.from({ length: count }, (_, i) => `bench.p${String(i + 1).padStart(2, "0")}`);
}

/**
 * Writes a fresh plugins folder with `count` scripted plugins; returns its path.
 * @param {number} count
 */
export function writeChainPluginsDir(count) {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-bench-plugins-"));
  chainIds(count).forEach((id, index) => {
    const dir = path.join(root, id);
    mkdirSync(dir);
    const manifest = {
      id,
      name: `Benchmark ${id}`,
      version: "0.0.1",
      command: [paths.goScripted],
      env: { SCRIPTED_PLUGIN_ID: id },
      hooks: { intercept: [{ topic: "test.*", priority: index + 1, timeoutMs: 30_000 }] },
    };
    writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest));
  });
  return root;
}
