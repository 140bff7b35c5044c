// Installs whatever is missing for `npm start` and `npm test` on a fresh clone:
// npm packages, the gateway build, Go modules and binaries, the Python venv, codegen tools.
// Idempotent and quick when everything is already there.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { must, root, run, step } from "./lib.mjs";

const at = (...parts) => path.join(root, ...parts);
const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;
const hashOf = (...files) => createHash("sha256").update(files.map((f) => readFileSync(at(f))).join("\0")).digest("hex");

export const GO_TOOLS = [
  "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12",
  "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2",
];

async function npmDependencies() {
  if (newer(at("package-lock.json"), at("node_modules", ".package-lock.json"))) {
    step("npm ci");
    await must("npm", ["ci", "--no-audit", "--no-fund"]);
  }
  // better-sqlite3 is a native addon built from source here (its prebuilt download host is
  // unreachable); make sure the build really happened, whatever npm's install-script policy.
  const probe = await run(process.execPath, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], { cwd: at("gateway"), capture: true });
  if (probe.code !== 0) {
    step("build better-sqlite3 (native addon)");
    await must("npm", ["rebuild", "better-sqlite3"]);
  }
}

async function gatewayBuild() {
  step("build the TypeScript SDK, the gateway and the conformance suite (tsc)");
  // The gateway imports the SDK package (@polyplug/sdk) through its dist: build it first.
  await must("npx", ["tsc", "-p", "gateway/sdk/tsconfig.build.json"]);
  await must("npx", ["tsc", "-p", "gateway/tsconfig.build.json"]);
  if (existsSync(at("conformance", "tsconfig.build.json"))) await must("npx", ["tsc", "-p", "conformance/tsconfig.build.json"]);
}

async function goBinaries() {
  step("build Go plugins and fixtures");
  const goDir = at("examples-go");
  const targets = ["./internal/fixtures/...", "./plugins/...", "./conformance/..."].filter((t) => existsSync(path.join(goDir, t.slice(2, -4))));
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
}

async function goTools() {
  const bin = at(".tools", "bin");
  if (existsSync(path.join(bin, "protoc-gen-go")) && existsSync(path.join(bin, "protoc-gen-go-grpc"))) return;
  step("install Go protoc plugins into .tools/bin");
  for (const tool of GO_TOOLS) await must("go", ["install", tool], { env: { GOBIN: bin } });
}

async function pythonEnv() {
  const lock = "examples-python/requirements.lock";
  if (!existsSync(at(lock))) return;
  const stamp = at(".venv", ".polyplug-stamp");
  const want = hashOf(lock, "examples-python/pyproject.toml");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  step("create the Python venv (.venv) and install pinned packages");
  if (!existsSync(at(".venv", "bin", "python"))) await must("python3", ["-m", "venv", ".venv"]);
  const pip = at(".venv", "bin", "pip");
  await must(pip, ["install", "--disable-pip-version-check", "-q", "-r", lock]);
  await must(pip, ["install", "--disable-pip-version-check", "-q", "--no-deps", "-e", "examples-python"]);
  writeFileSync(stamp, want);
}

// The SDK tarball, wheel and Go module that `polyplug new` copies into plugins outside the repo.
async function sdkArtifacts() {
  step("pack the plugin SDKs into gateway/sdk-artifacts");
  await must(process.execPath, ["gateway/scripts/pack-sdks.mjs"]);
}

export async function setup() {
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
