// Runs every test suite (TypeScript, Go, Python, conformance) and ends with one line
// "N passed, N failed" summing them all. Exit code 0 only when nothing failed and
// every suite ran.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { root, run, step } from "./lib.mjs";
import { STATIC_CHECKS } from "./static-checks.mjs";

const reports = path.join(root, "node_modules", ".cache", "polyplug-test");
mkdirSync(reports, { recursive: true });
const results = [];

function record(name, passed, failed, skipped, exitCode) {
  // A suite that crashed without reporting a failure still counts as one.
  if (exitCode !== 0 && failed === 0) failed = 1;
  results.push({ name, passed, failed, skipped });
  process.stderr.write(`  ${name}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
}

async function vitest() {
  step("TypeScript tests (vitest)");
  for (const project of ["gateway", "conformance"]) {
    const out = path.join(reports, `vitest-${project}.json`);
    const { code } = await run(
      "npx",
      ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
      { cwd: path.join(root, project) },
    );
    const report = existsSync(out)
      ? JSON.parse(readFileSync(out, "utf8"))
      : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
    record(
      `vitest (${project})`,
      report.numPassedTests,
      report.numFailedTests,
      report.numPendingTests + (report.numTodoTests ?? 0),
      code,
    );
  }
}

// Plugin authors outside the repository (scaffold → bundle → install per language, the SDK
// READMEs' shell commands): minutes of pip/npm/go builds, so a suite of its own.
async function authorsSuite() {
  step("Plugin author suite (vitest.authors.config.ts)");
  const out = path.join(reports, "vitest-authors.json");
  const { code } = await run(
    "npx",
    [
      "vitest",
      "run",
      "--config",
      "vitest.authors.config.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${out}`,
    ],
    { cwd: path.join(root, "gateway") },
  );
  const report = existsSync(out)
    ? JSON.parse(readFileSync(out, "utf8"))
    : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
  record("vitest (plugin authors)", report.numPassedTests, report.numFailedTests, report.numPendingTests, code);
}

async function goTest() {
  step("Go tests (go test)");
  // The interop tests drive our Python and TypeScript SDK plugins from go-plugin's own Go host.
  const env = {
    POLYPLUG_INTEROP_PYTHON_CMD: `${path.join(root, ".venv", "bin", "python")} ${path.join(root, "examples-python", "plugins", "membership", "plugin.py")}`,
    POLYPLUG_INTEROP_TS_CMD: `${process.execPath} ${path.join(root, "gateway", "examples", "auditlog", "plugin.mjs")}`,
  };
  const { code, out } = await run("go", ["test", "-json", "-count=1", "./..."], {
    cwd: path.join(root, "examples-go"),
    capture: true,
    env,
  });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line);
    if (
      event.Action === "output" &&
      event.Output &&
      (!event.Test || /--- (FAIL|SKIP)|panic|_test\.go:\d+/.test(event.Output))
    )
      process.stdout.write(event.Output);
    if (!event.Test) continue;
    if (event.Action === "pass") passed++;
    else if (event.Action === "fail") failed++;
    else if (event.Action === "skip") skipped++;
  }
  record("go test", passed, failed, skipped, code);
}

async function pytest() {
  if (!existsSync(path.join(root, "examples-python", "tests"))) return;
  step("Python tests (pytest)");
  const xml = path.join(reports, "pytest.xml");
  const { code } = await run(path.join(root, ".venv", "bin", "pytest"), [
    "-q",
    `--junitxml=${xml}`,
    "examples-python/tests",
  ]);
  const text = existsSync(xml) ? readFileSync(xml, "utf8") : "";
  const attr = (name) =>
    [...text.matchAll(new RegExp(`<testsuite [^>]*\\b${name}="(\\d+)"`, "g"))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  const total = attr("tests");
  const failed = attr("failures") + attr("errors");
  const skipped = attr("skipped");
  // pytest exits 5 when it collected nothing: that is a failure here, not a pass.
  record("pytest", total - failed - skipped, failed, skipped, code);
}

async function conformance() {
  const runner = path.join(root, "conformance", "run-all.mjs");
  if (!existsSync(runner)) return;
  step("Conformance suite");
  const summary = path.join(reports, "conformance.json");
  const { code } = await run("node", [runner, `--summary=${summary}`]);
  const report = existsSync(summary) ? JSON.parse(readFileSync(summary, "utf8")) : { passed: 0, failed: 0, skipped: 0 };
  record("conformance", report.passed, report.failed, report.skipped, code);
}

async function chaos() {
  // The chaos suite's short mode (gateway/chaos/run.mjs): each zero figure is one check.
  step("Chaos suite (short)");
  const out = path.join(reports, "chaos");
  const { code } = await run("node", [path.join(root, "gateway", "chaos", "run.mjs"), "--short", "--out", out]);
  const file = path.join(out, "latest.json");
  const checks =
    code === 0 && existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).checks.filter((check) => check.zero) : [];
  for (const check of checks)
    if (!check.ok) process.stderr.write(`  ✖ chaos: ${check.name}: ${check.value} (goal ${check.goal})\n`);
  record(
    "chaos (short)",
    checks.filter((check) => check.ok).length,
    checks.filter((check) => !check.ok).length,
    0,
    checks.length > 0 ? 0 : 1,
  );
}

async function staticChecks() {
  step("Static checks (tsc, go vet, ruff, mypy, biome, dependency-cruiser, knip)");
  const py = (tool) => path.join(root, ".venv", "bin", tool);
  const checks = [
    ["tsc --noEmit (gateway, tests included)", "npx", ["tsc", "-p", "gateway/tsconfig.json"], {}],
    ["tsc --noEmit (conformance)", "npx", ["tsc", "-p", "conformance/tsconfig.json", "--noEmit"], {}],
    ["go vet", "go", ["vet", "./..."], { cwd: path.join(root, "examples-go") }],
    ["ruff", py("ruff"), ["check", "."], { cwd: path.join(root, "examples-python") }],
    ["mypy --strict", py("mypy"), [], { cwd: path.join(root, "examples-python") }],
    ...STATIC_CHECKS,
  ];
  let passed = 0;
  let failed = 0;
  for (const [name, command, args, options] of checks) {
    const { code } = await run(command, args, options).catch(() => ({ code: 1 }));
    if (code === 0) passed++;
    else {
      failed++;
      process.stderr.write(`  ✖ ${name} failed\n`);
    }
  }
  record("static checks", passed, failed, 0, 0);
}

await staticChecks();
await vitest();
await authorsSuite();
await goTest();
await pytest();
await conformance();
await chaos();

const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const skipped = results.reduce((sum, r) => sum + r.skipped, 0);
process.stdout.write(`\n${results.map((r) => `${r.name}: ${r.passed} passed, ${r.failed} failed`).join("; ")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
