#!/usr/bin/env node
// Launcher of `polyplug` (npx polyplug, npm start). Runs the bundled CLI,
// dist/cli-bundle/polyplug.cjs (scripts/bundle-cli.mjs: one file instead of ~1,000 modules),
// compiled with V8's code cache beside it (polyplug.cjs.v8cache, written by the first run
// that lacks a usable one), while the bundle is at least as new as the tsc output it was
// made from; otherwise, or with POLYPLUG_BUNDLE=0 (debugging with the modules' own file
// names and lines), the ES modules in dist/. Either way the same code runs: src/cli/run.ts.
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

// POLYPLUG_START_TIMELINE=<file>: when the process exits, the steps its start reached (the
// `polyplug:` performance marks, runtime/start-timeline.ts) go to <file> as JSON, for the
// gateway-start benchmark. A file that cannot be written is skipped.
const timeline = process.env.POLYPLUG_START_TIMELINE;
if (timeline) {
  performance.mark("polyplug:bin");
  process.once("exit", () => {
    const steps = performance
      .getEntriesByType("mark")
      .filter((mark) => mark.name.startsWith("polyplug:"))
      .map((mark) => [mark.name.slice("polyplug:".length), Math.round(mark.startTime * 10) / 10]);
    try {
      writeFileSync(timeline, JSON.stringify({ nodeBootstrapped: performance.nodeTiming.bootstrapComplete, steps }));
    } catch {
      // Measuring must not change how the command ends.
    }
  });
}

const bundle = fileURLToPath(new URL("../dist/cli-bundle/polyplug.cjs", import.meta.url));
const modules = new URL("../dist/cli/run.js", import.meta.url);

/** The bundle exists and no tsc build came after it (a newer dist/cli/run.js means it is stale). */
function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= statSync(modules).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Runs the CommonJS bundle as Node's loader would, but through vm.Script so V8 can take
 * compiled code from the cache instead of parsing and compiling ~4 MB again (Node 20 has no
 * compile cache for modules). A missing, stale or rejected cache (another Node or V8 flags)
 * is written anew when this process exits; a failed write (read-only install) is ignored.
 */
function runBundle() {
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // Node's CommonJS wrapper plus __polyplugImport: the bundle's one import() of an ES module
  // by name (the conformance suite), resolved from here as from dist/ (scripts/bundle-cli.mjs).
  // latin1: the bundle is ASCII (esbuild escapes the rest; scripts/bundle-cli.mjs checks), and
  // Node reads 4 MB as latin1 in a third of the time it takes to decode them as UTF-8.
  const source = readFileSync(bundle, "latin1");
  const wrapped = `(function (exports, require, module, __filename, __dirname, __polyplugImport) { ${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        const temporary = `${cacheFile}.${process.pid}`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        // No cache: the next start compiles again.
      }
    });
  }
  if (timeline) performance.mark("polyplug:bundle-compiled");
  const module = { exports: {} };
  const run = script.runInThisContext();
  run(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle), (specifier) => import(specifier));
}

if (process.env.POLYPLUG_BUNDLE !== "0" && bundleIsFresh()) runBundle();
else await import(modules.href);
