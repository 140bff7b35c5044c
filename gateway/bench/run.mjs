#!/usr/bin/env node
// `npm run bench [-- --quick] [--out DIR] [--only SUITE,...]`: Polyplug's TypeScript host
// and gateway measured side by side with HashiCorp go-plugin's own Go host
// (examples-go/bench/gohost) on the same machine, in one run. Writes latest.json and
// latest.md (plus timestamped copies) to gateway/bench/results/ (--quick: a temp folder).
// Exit code 1 when a benchmark failed (its error is in the results), 2 on a bad command line.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "./lib/args.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { paths } from "./lib/paths.mjs";
import { prepare } from "./lib/prepare.mjs";
import { writeResults } from "./lib/report.mjs";
import { workloads } from "./lib/workloads.mjs";

(await import("./lib/args.mjs")).OPTIONAL_SUITES.push("modules-rss"); // RSS per loaded module (issue 17, tail helper)
const defaultOut = process.argv.includes("--quick") ? "" : paths.results;
let args;
try {
  args = parseArgs(process.argv.slice(2), defaultOut);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const outDir = args.outDir || mkdtempSync(path.join(tmpdir(), "polyplug-bench-"));
const log = (message) => process.stderr.write(`bench: ${message}\n`);

log("building the Go host and plugins");
prepare();
const w = workloads(args.quick);
const startedAt = new Date().toISOString();
const t0 = performance.now();
const suites = {};
const failures = {};
for (const name of args.only) {
  const suite = await import(`./suites/${name}.mjs`);
  try {
    suites[name] = await suite.run(w, log);
  } catch (error) {
    failures[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${name} failed: ${failures[name]}`);
  }
}
const run = { startedAt, durationS: (performance.now() - t0) / 1000, quick: args.quick, machine: describeMachine(), suites, failures };
const files = writeResults(outDir, run);
log(`results: ${files.markdown} and ${files.json}`);
process.exit(Object.keys(failures).length ? 1 : 0);
