#!/usr/bin/env node
// `npm run bench [-- --quick] [--out DIR] [--only SUITE,...] [--readme]`: Polyplug's TypeScript host
// and gateway measured side by side with HashiCorp go-plugin's own Go host
// (examples-go/bench/gohost) and a minimal Go gateway on go-plugin
// (examples-go/bench/gogateway) on the same machine, in one run. Writes latest.json and
// latest.md (plus timestamped copies) to gateway/bench/results/ (--quick: a temp folder).
// Exit code 1 when a benchmark failed (its error is in the results), 2 on a bad command line.
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "./lib/args.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { updateReadmeHeadline } from "./lib/readme.mjs";
import { paths } from "./lib/paths.mjs";
import { prepare } from "./lib/prepare.mjs";
import { writeResults } from "./lib/report.mjs";
import { workloads } from "./lib/workloads.mjs";

// The suites in run order, one line each: a new benchmark is a new file suites/<name>.mjs
// (exporting `run(workloads, log)` → SuiteResult, see lib/report.mjs) plus its line here.
// Optional suites run only when named in --only.
/** @type {import("./lib/args.mjs").SuiteEntry[]} */
const SUITES = [
  { name: "roundtrip" },
  { name: "payload" },
  { name: "startup" },
  { name: "gateway-start" },
  { name: "e2e" },
  { name: "memory" },
  { name: "transports" },
  { name: "fastpath", optional: true },
  { name: "store", optional: true },
  { name: "workers" }, // public-port workers: calls/s at 1, 2 and N workers (issue 17)
  { name: "modules-rss", optional: true }, // RSS per loaded module (issue 17)
  { name: "public-cpu", optional: true }, // public path CPU per request: bare node:http, surfaces, full (issue 17)
];

const defaultOut = process.argv.includes("--quick") ? "" : paths.results;
let args;
try {
  args = parseArgs(process.argv.slice(2), defaultOut, SUITES);
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
// The machine may be shared: the load average before and after says how quiet it was.
const loadAtStart = loadavg();
const t0 = performance.now();
const suites = {};
const failures = {};
/** Seconds each suite took (the whole run should stay within a few minutes on 2 cores). */
const suiteDurationsS = {};
for (const name of args.only) {
  const suite = await import(`./suites/${name}.mjs`);
  const s0 = performance.now();
  try {
    suites[name] = await suite.run(w, log);
  } catch (error) {
    failures[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${name} failed: ${failures[name]}`);
  }
  suiteDurationsS[name] = Math.round((performance.now() - s0) / 100) / 10;
}
const loadAverage = {
  start: loadAtStart.map((l) => Math.round(l * 100) / 100),
  end: loadavg().map((l) => Math.round(l * 100) / 100),
};
const run = {
  startedAt,
  durationS: (performance.now() - t0) / 1000,
  quick: args.quick,
  machine: { ...describeMachine(), loadAverage },
  suiteDurationsS,
  suites,
  failures,
};
const files = writeResults(outDir, run);
log(`results: ${files.markdown} and ${files.json}`);
if (args.readme) {
  try {
    log(`headline: ${updateReadmeHeadline(run)}`);
  } catch (error) {
    log(`README not updated: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
process.exit(Object.keys(failures).length ? 1 : 0);
