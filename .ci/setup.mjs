// Installs whatever is missing for `npm start` and `npm test` on a fresh clone:
// npm packages, the gateway build, Go modules and binaries, the Python venv, codegen tools.
// Idempotent and quick when everything is already there.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { must, root, run, skipped, step } from "./lib.mjs";

const at = (...parts) => path.join(root, ...parts);
const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;
/** Files under `dir` (recursively, skipping build output and dependencies) whose name passes `keep`. */
export function filesUnder(dir, keep) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["bin", "dist", "node_modules", ".git", "__pycache__"].includes(entry.name))
        out.push(...filesUnder(full, keep));
    } else if (keep(entry.name)) out.push(full);
  }
  return out.sort();
}
const newestMtime = (files) => Math.max(0, ...files.map((f) => statSync(f).mtimeMs));

/** True when `stamp` exists and no input is newer than it (the TypeScript build is up to date). */
export function upToDate(stamp, inputs) {
  return existsSync(stamp) && newestMtime(inputs) <= statSync(stamp).mtimeMs;
}
const hashOf = (...files) =>
  createHash("sha256")
    .update(files.map((f) => readFileSync(at(f))).join("\0"))
    .digest("hex");

export const GO_TOOLS = [
  "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12",
  "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2",
];

async function npmDependencies() {
  if (newer(at("package-lock.json"), at("node_modules", ".package-lock.json"))) {
    // The first run compiles better-sqlite3 from source (minutes, quiet): must() prints a heartbeat.
    const done = step("npm ci (the first run compiles better-sqlite3: a few minutes)");
    await must("npm", ["ci", "--no-audit", "--no-fund"]);
    done();
  }
  // better-sqlite3 is a native addon built from source here (its prebuilt download host is
  // unreachable); make sure the build really happened, whatever npm's install-script policy.
  const probe = await run(process.execPath, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: at("gateway"),
    capture: true,
  });
  if (probe.code !== 0) {
    const done = step("build better-sqlite3 (native addon)");
    await must("npm", ["rebuild", "better-sqlite3"]);
    done();
  }
}

// A TypeScript project is rebuilt only when a source or tsconfig is newer than its stamp
// (dist/.polyplug-build-stamp, dated when the last build started, so an edit made during a
// build still counts as newer).
async function typescriptBuild(project, force = false) {
  const config = at(project, "tsconfig.build.json");
  if (!existsSync(config)) return false;
  const stamp = at(project, "dist", ".polyplug-build-stamp");
  const inputs = [
    ...filesUnder(at(project, "src"), (name) => /\.(ts|mts|json)$/.test(name)),
    config,
    at(project, "tsconfig.json"),
    at("tsconfig.json"),
    at("package-lock.json"),
  ].filter(existsSync);
  if (!force && upToDate(stamp, inputs)) {
    skipped(`${project}: TypeScript build (tsc)`);
    return false;
  }
  const since = new Date();
  const done = step(`${project}: TypeScript build (tsc)`);
  await must("npx", ["tsc", "-p", path.relative(root, config)]);
  writeFileSync(stamp, `built from sources up to ${since.toISOString()}\n`);
  utimesSync(stamp, since, since);
  done();
  return true;
}

// The gateway imports the SDK package (@polyplug/sdk) through its dist, and the conformance
// suite compiles against the gateway's declarations: each is rebuilt after the one before it.
async function gatewayBuild() {
  const sdkRebuilt = await typescriptBuild("gateway/sdk");
  const gatewayRebuilt = await typescriptBuild("gateway", sdkRebuilt);
  await Promise.all([typescriptBuild("conformance", gatewayRebuilt), cliBundle(gatewayRebuilt)]);
}

// The bundled `polyplug` CLI (gateway/scripts/bundle-cli.mjs, esbuild: seconds) is made from
// the tsc output: rebuilt after every gateway build, or when a compiled module, the script or
// the lockfile is newer than its stamp. bin/polyplug.js falls back to dist/ while it is stale.
async function cliBundle(force) {
  const stamp = at("gateway", "dist", "cli-bundle", ".polyplug-bundle-stamp");
  const inputs = [
    ...filesUnder(at("gateway", "dist"), (name) => name.endsWith(".js")).filter((f) => !f.includes("cli-bundle")),
    ...filesUnder(at("gateway", "sdk", "dist"), (name) => name.endsWith(".js")),
    at("gateway", "scripts", "bundle-cli.mjs"),
    at("gateway", "sdk", "package.json"),
    at("package-lock.json"),
  ];
  if (!force && upToDate(stamp, inputs)) {
    skipped("gateway: CLI bundle (esbuild)");
    return;
  }
  const since = new Date();
  const done = step("gateway: CLI bundle (esbuild)");
  await must(process.execPath, [at("gateway", "scripts", "bundle-cli.mjs")]);
  writeFileSync(stamp, `bundled from dist/ up to ${since.toISOString()}\n`);
  utimesSync(stamp, since, since);
  done();
}

/** Hash of every Go source, go.mod and go.sum that the binaries below are built from, plus the Go version. */
async function goSourcesHash() {
  const keep = (name) => name.endsWith(".go") || name === "go.mod" || name === "go.sum";
  const files = [...filesUnder(at("examples-go"), keep), ...filesUnder(at("conformance", "plugins", "go"), keep)];
  const version = (await run("go", ["env", "GOVERSION"], { capture: true })).out.trim();
  const hash = createHash("sha256").update(version);
  for (const file of files) hash.update(`\0${path.relative(root, file)}\0`).update(readFileSync(file));
  return hash.digest("hex");
}

// Rebuilt only when the content hash of the Go sources changed (stamp in examples-go/bin/).
async function goBinaries() {
  const stamp = at("examples-go", "bin", ".polyplug-sources-hash");
  const want = await goSourcesHash();
  const pluginBinaries = existsSync(at("examples-go", "plugins"))
    ? readdirSync(at("examples-go", "plugins"))
        .filter((name) => existsSync(at("examples-go", "plugins", name, "plugin.json")))
        .map((name) => at("examples-go", "plugins", name, "bin", name))
    : [];
  const outputs = [
    ...pluginBinaries,
    ...(existsSync(at("conformance", "plugins", "go"))
      ? [at("conformance", "plugins", "go", "bin", "conformance")]
      : []),
  ];
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want && outputs.every(existsSync)) {
    skipped("Go plugins and fixtures (go build)");
    return;
  }
  const done = step("build Go plugins and fixtures (go build)");
  const goDir = at("examples-go");
  const targets = ["./internal/fixtures/...", "./plugins/...", "./conformance/..."].filter((t) =>
    existsSync(path.join(goDir, t.slice(2, -4))),
  );
  await must("go", ["build", "-o", "bin/", ...targets], { cwd: goDir });
  // Each example plugin also gets its binary next to its manifest (`executables` points at bin/<name>).
  const pluginsDir = path.join(goDir, "plugins");
  for (const name of existsSync(pluginsDir) ? readdirSync(pluginsDir) : []) {
    if (!existsSync(path.join(pluginsDir, name, "plugin.json"))) continue;
    await must("go", ["build", "-o", `plugins/${name}/bin/${name}`, `./plugins/${name}`], { cwd: goDir });
  }
  // The Go conformance plugin: the gateway's tests against a real grpc-go server use it too.
  const conformanceGo = at("conformance", "plugins", "go");
  if (existsSync(conformanceGo)) await must("go", ["build", "-o", "bin/conformance", "."], { cwd: conformanceGo });
  writeFileSync(stamp, want);
  done();
}

async function goTools() {
  const bin = at(".tools", "bin");
  if (existsSync(path.join(bin, "protoc-gen-go")) && existsSync(path.join(bin, "protoc-gen-go-grpc"))) return;
  const done = step("install Go protoc plugins into .tools/bin");
  for (const tool of GO_TOOLS) await must("go", ["install", tool], { env: { GOBIN: bin } });
  done();
}

async function pythonEnv() {
  const lock = "examples-python/requirements.lock";
  if (!existsSync(at(lock))) return;
  const stamp = at(".venv", ".polyplug-stamp");
  const want = hashOf(lock, "examples-python/pyproject.toml");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  const done = step("create the Python venv (.venv) and install pinned packages");
  if (!existsSync(at(".venv", "bin", "python"))) await must("python3", ["-m", "venv", ".venv"]);
  const pip = at(".venv", "bin", "pip");
  await must(pip, ["install", "--disable-pip-version-check", "-q", "-r", lock]);
  await must(pip, ["install", "--disable-pip-version-check", "-q", "--no-deps", "-e", "examples-python"]);
  writeFileSync(stamp, want);
  done();
}

// The SDK tarball, wheel and Go module that `polyplug new` copies into plugins outside the repo.
// Skipped when no input (the SDK's dist and package.json, the Python SDK, the Go SDK and its
// generated code, the pack script, the venv's lock) is newer than the stamp of the last pack.
async function sdkArtifacts() {
  const stamp = at("gateway", "sdk-artifacts", ".polyplug-pack-stamp");
  const inputs = [
    ...filesUnder(at("gateway", "sdk", "dist"), () => true),
    ...filesUnder(at("examples-python", "src"), (name) => !name.endsWith(".pyc")),
    ...filesUnder(at("examples-go", "sdk"), () => true),
    ...filesUnder(at("examples-go", "gen"), () => true),
    ...[
      "gateway/sdk/package.json",
      "examples-python/pyproject.toml",
      "examples-python/requirements.lock",
      "examples-go/go.mod",
      "examples-go/go.sum",
      "gateway/scripts/pack-sdks.mjs",
    ].map((file) => at(file)),
  ].filter(existsSync);
  if (upToDate(stamp, inputs)) {
    skipped("plugin SDK artifacts (gateway/sdk-artifacts)");
    return;
  }
  const since = new Date();
  const done = step("pack the plugin SDKs into gateway/sdk-artifacts");
  await must(process.execPath, ["gateway/scripts/pack-sdks.mjs"]);
  writeFileSync(stamp, `packed from sources up to ${since.toISOString()}\n`);
  utimesSync(stamp, since, since);
  done();
}

/**
 * The plugin sandbox needs bubblewrap (sandbox.mode "required" is the default). On Debian as
 * root it is installed here; elsewhere the gateway refuses plugins with a message saying how.
 */
async function sandboxTool() {
  if (process.platform !== "linux") return;
  const has = (command) => run("sh", ["-c", `command -v ${command}`], { capture: true }).then((r) => r.code === 0);
  if (await has("bwrap")) return skipped("bubblewrap (plugin sandbox)");
  if (process.getuid?.() !== 0 || !(await has("apt-get"))) {
    process.stderr.write(
      "\n⚠ bubblewrap is missing: install it (apt-get install bubblewrap) or plugins are refused (sandbox.mode: required)\n",
    );
    return;
  }
  const done = step("install bubblewrap for the plugin sandbox (apt-get)");
  await must("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap"]);
  done();
}

export async function setup() {
  await sandboxTool();
  await npmDependencies();
  await Promise.all([gatewayBuild(), pythonEnv()]);
  await sdkArtifacts();
  await goBinaries();
  await goTools();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup().catch((error) => {
    process.stderr.write(`setup failed: ${error.message}\n`);
    process.exit(1);
  });
}
