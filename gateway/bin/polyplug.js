#!/usr/bin/env node
// Launcher of `polyplug` (npx polyplug, npm start). Runs the bundled CLI, dist/cli-bundle/
// (scripts/bundle-cli.mjs: one file instead of ~1,000 modules, so `polyplug serve` answers
// sooner), while it is at least as new as the tsc output it was bundled from; otherwise, or
// with POLYPLUG_BUNDLE=0 (debugging with the modules' own stack traces and file names), the
// ESM modules in dist/. Either way the same code runs: src/cli/run.ts.
import { statSync } from "node:fs";

const bundled = new URL("../dist/cli-bundle/polyplug.js", import.meta.url);
const modules = new URL("../dist/cli/run.js", import.meta.url);

/** The bundle exists and no tsc build came after it (a newer dist/cli/run.js means it is stale). */
function bundleIsFresh() {
  try {
    return statSync(bundled).mtimeMs >= statSync(modules).mtimeMs;
  } catch {
    return false;
  }
}

await import(process.env.POLYPLUG_BUNDLE !== "0" && bundleIsFresh() ? bundled.href : modules.href);
