#!/usr/bin/env node
// Runs the conformance suite against every conformance plugin (Go, Python, TypeScript)
// and proves it can fail with the broken fixtures. Used by `npm test`.
//
//   node conformance/run-all.mjs [--summary=FILE] [--no-readme]
//
// Builds what it needs (the Go conformance plugin, the runner), prints a table, writes the
// case-group × language matrix into conformance/README.md between the matrix markers, and
// exits non-zero when a required case fails, a known-failing case passes, or a broken
// fixture is not reported.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = process.argv.slice(2);
const summaryFile = args.find((a) => a.startsWith("--summary="))?.slice("--summary=".length);
const writeReadme = !args.includes("--no-readme");

function run(command, argv, cwd) {
  execFileSync(command, argv, { cwd, stdio: ["ignore", "inherit", "inherit"] });
}

// Build (each step is quick when nothing changed).
if (!existsSync(path.join(repo, "gateway", "dist", "index.js"))) run("npm", ["run", "build", "-w", "gateway"], repo);
run("go", ["build", "-o", "bin/conformance", "."], path.join(here, "plugins", "go"));
run("npx", ["tsc", "-p", "tsconfig.build.json"], here);

const { runConformance } = await import("./dist/index.js");

const python = path.join(repo, ".venv", "bin", "python");
const implementations = [
  { lang: "go", plugin: [path.join(here, "plugins", "go", "bin", "conformance")] },
  {
    lang: "python",
    plugin: [python, path.join(here, "plugins", "python", "plugin.py")],
    needs: path.join(here, "plugins", "python", "plugin.py"),
  },
  {
    lang: "ts",
    plugin: [process.execPath, path.join(here, "plugins", "ts", "plugin.mjs")],
    needs: path.join(here, "plugins", "ts", "plugin.mjs"),
  },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
const matrix = new Map(); // group → lang → {pass, total, fail}
const langs = [];
let ok = true;

for (const impl of implementations) {
  langs.push(impl.lang);
  if (impl.needs && !existsSync(impl.needs)) {
    console.log(
      `\n== ${impl.lang}: no conformance plugin yet (${path.relative(repo, impl.needs)} missing) — counted as failed`,
    );
    totals.failed++;
    ok = false;
    continue;
  }
  const dir = path.join(here, "implementations", impl.lang);
  const started = Date.now();
  const report = await runConformance({
    plugin: impl.plugin,
    featuresFile: path.join(dir, "features.yaml"),
    knownFailingFile: path.join(dir, "known-failing.txt"),
  });
  const s = report.summary;
  console.log(
    `\n== ${impl.lang}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.knownFailing} known failing, ${s.unexpectedPasses} unexpected passes (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  for (const r of report.results) {
    if (r.status === "failed" || r.status === "unexpected-pass")
      console.log(`   ✖ ${r.name}${r.required ? "" : " (optional)"}: ${r.message}`);
    const group = r.name.split("/")[0];
    const row = matrix.get(group) ?? new Map();
    const cell = row.get(impl.lang) ?? { pass: 0, total: 0, known: 0 };
    cell.total++;
    if (r.status === "passed") cell.pass++;
    if (r.status === "known-failing") cell.known++;
    if (r.status === "skipped") cell.total--;
    row.set(impl.lang, cell);
    matrix.set(group, row);
    if (r.status === "passed") totals.passed++;
    else if (r.status === "skipped" || r.status === "known-failing") totals.skipped++;
    else if (r.required || r.status === "unexpected-pass") totals.failed++;
    else totals.skipped++;
  }
  if (!s.ok) ok = false;
}

// The TCP cases apply only to TCP plugins: the TypeScript SDK listens on TCP when asked
// (POLYPLUG_PLUGIN_NETWORK=tcp), which proves the TCP checks pass a correct plugin.
{
  const tcpPlugin = ["env", "POLYPLUG_PLUGIN_NETWORK=tcp", ...implementations[2].plugin];
  const report = await runConformance({
    plugin: tcpPlugin,
    cases: ["listener/tcp-**", "handshake/line-format"],
    features: { features: new Set(["tcp"]), appProtocolVersions: [1] },
  });
  const failed = report.results.filter((r) => r.status !== "passed");
  console.log(
    `\n== ts over TCP (${report.results.map((r) => r.name).join(", ")}): ${failed.length === 0 ? "all passed" : failed.map((r) => `✖ ${r.name}: ${r.message}`).join("; ")}`,
  );
  totals.passed += report.results.length - failed.length;
  totals.failed += failed.length;
  if (failed.length > 0) ok = false;
}

// Broken fixtures: each mode must make its case fail.
const expectations = JSON.parse(readFileSync(path.join(here, "plugins", "broken", "expectations.json"), "utf8"));
const brokenPlugin = path.join(here, "plugins", "broken", "broken-plugin.mjs");
console.log("\n== broken fixtures (each must be reported failing)");
for (const [mode, expected] of Object.entries(expectations)) {
  if (mode === "//") continue;
  const { case: caseName, message } = typeof expected === "string" ? { case: expected } : expected;
  const report = await runConformance({
    plugin: [process.execPath, brokenPlugin, mode, implementations[0].plugin[0]],
    cases: [caseName],
  });
  const result = report.results.find((r) => r.name === caseName);
  // A message pattern checks that the failure says what happened, not just that it failed.
  const reported =
    result?.status === "failed" && (message === undefined || new RegExp(message).test(result.message ?? ""));
  console.log(
    `   ${reported ? "✔" : "✖"} ${mode.padEnd(24)} → ${caseName}: ${reported ? `reported (${result.message?.slice(0, 90)})` : `NOT reported (${result?.status ?? "case missing"})`}`,
  );
  if (reported) totals.passed++;
  else {
    totals.failed++;
    ok = false;
  }
}

// Matrix.
const header = `| Case group | ${langs.join(" | ")} |\n|---|${langs.map(() => "---").join("|")}|`;
const rows = [...matrix.entries()].map(
  ([group, row]) =>
    `| ${group} | ${langs
      .map((l) => {
        const c = row.get(l);
        return c
          ? `${c.pass}/${c.total}${c.pass === c.total ? " ✅" : " ❌"}${c.known ? ` (${c.known} known failing)` : ""}`
          : "—";
      })
      .join(" | ")} |`,
);
const table = [header, ...rows].join("\n");
console.log(`\n${table}\n\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (writeReadme) {
  const readme = path.join(here, "README.md");
  const text = readFileSync(readme, "utf8");
  const start = "<!-- matrix:start -->";
  const end = "<!-- matrix:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) writeFileSync(readme, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
}
if (summaryFile) writeFileSync(summaryFile, JSON.stringify(totals));
process.exit(ok ? 0 : 1);
