// Where the benchmark finds the repository's plugins, hosts and interpreters.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const bench = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const gateway = path.resolve(bench, "..");
const repo = path.resolve(gateway, "..");
const venvPython = path.join(repo, ".venv", "bin", "python");

/** Absolute paths used by the benchmarks. */
export const paths = {
  bench,
  gateway,
  repo,
  results: path.join(bench, "results"),
  examplesGo: path.join(repo, "examples-go"),
  /** go-plugin's own Go host, the baseline (built from examples-go/bench/gohost). */
  goHost: path.join(repo, "examples-go", "bin", "gohost"),
  /** The fair baseline of the application path: a minimal Go HTTP gateway on go-plugin (examples-go/bench/gogateway). */
  goGateway: path.join(repo, "examples-go", "bin", "gogateway"),
  /** The public API's load generator (examples-go/bench/httpload: Go's net/http client). */
  goHttpLoad: path.join(repo, "examples-go", "bin", "httpload"),
  /** Polyplug's command line (`polyplug serve`), as an operator runs it. */
  cli: path.join(gateway, "bin", "polyplug.js"),
  /** The scriptable Go plugin the gateway's tests use (proceeds by default). */
  goScripted: path.join(repo, "examples-go", "bin", "scripted"),
  goConformanceDir: path.join(repo, "conformance", "plugins", "go"),
  goConformance: path.join(repo, "conformance", "plugins", "go", "bin", "conformance"),
  python: existsSync(venvPython) ? venvPython : "python3",
  pythonConformance: path.join(repo, "conformance", "plugins", "python", "plugin.py"),
  tsConformance: path.join(repo, "conformance", "plugins", "ts", "plugin.mjs"),
  gatewayDist: path.join(gateway, "dist", "index.js"),
};

/**
 * The conformance plugin of each language, as an argv. All three answer
 * `conformance.echo` (proceed) and `conformance.modify` (payload back, plus a field).
 * @type {Record<"go" | "python" | "ts", string[]>}
 */
export const conformancePlugins = {
  go: [paths.goConformance],
  python: [paths.python, paths.pythonConformance],
  ts: [process.execPath, paths.tsConformance],
};
