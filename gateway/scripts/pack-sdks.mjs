// Packs the three plugin SDKs into gateway/sdk-artifacts/, which ships inside the gateway
// package, so `polyplug new` can give a plugin outside this repository a pinned copy of its SDK
// (nothing fetched by an unpinned name):
//   polyplug-sdk-<v>.tgz                 npm pack of gateway/sdk (@polyplug/sdk; build it first)
//   polyplug_sdk-<v>-py3-none-any.whl    the Python SDK (distribution polyplug-sdk, import polyplug)
//   polyplug-sdk-requirements.txt        the wheel's dependencies pinned (name==version), as installed here
//   polyplug-sdk-go/                     the Go SDK module (go.mod, go.sum, sdk/, gen/), for a `replace`
// Usage: node gateway/scripts/pack-sdks.mjs [--python <python with setuptools>]
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const gateway = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.dirname(gateway);
const out = path.join(gateway, "sdk-artifacts");
const pythonFlag = process.argv.indexOf("--python");
const python =
  pythonFlag > 0
    ? process.argv[pythonFlag + 1]
    : existsSync(path.join(repo, ".venv", "bin", "python"))
      ? path.join(repo, ".venv", "bin", "python")
      : "python3";

// Prints name==version for every installed distribution the named one needs (recursively, no extras).
const PINS_SCRIPT = `
import re, sys
from importlib.metadata import distribution, PackageNotFoundError
seen, todo = {}, [sys.argv[1]]
while todo:
    name = re.split(r"[ ;<>=!~\\[(]", todo.pop())[0]
    key = name.lower().replace("_", "-")
    if key in seen: continue
    try: dist = distribution(name)
    except PackageNotFoundError: continue
    seen[key] = dist.metadata["Name"] + "==" + dist.version
    todo += [r for r in (dist.requires or []) if "extra ==" not in r]
seen.pop(sys.argv[1], None)
print("\\n".join(sorted(seen.values())))
`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// npm: the SDK's dist must be built (npm run build -w @polyplug/sdk).
if (!existsSync(path.join(gateway, "sdk", "dist", "index.js")))
  throw new Error("gateway/sdk/dist is missing: run `npm run build -w @polyplug/sdk` first");
execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
  cwd: path.join(gateway, "sdk"),
  stdio: ["ignore", "ignore", "inherit"],
});

// Python: built from a clean copy so the checkout gets no build/ or .egg-info folders.
const stage = mkdtempSync(path.join(tmpdir(), "polyplug-wheel-"));
try {
  for (const name of ["pyproject.toml", "README.md", "src"])
    cpSync(path.join(repo, "examples-python", name), path.join(stage, name), {
      recursive: true,
      filter: (source) => !/__pycache__|\.pyc$|\.egg-info/.test(source),
    });
  execFileSync(
    python,
    [
      "-m",
      "pip",
      "wheel",
      "--quiet",
      "--disable-pip-version-check",
      "--no-deps",
      "--no-build-isolation",
      "--wheel-dir",
      out,
      stage,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
// The wheel's runtime dependencies, pinned to the versions this checkout tests with.
const pins = execFileSync(python, ["-c", PINS_SCRIPT, "polyplug-sdk"], { encoding: "utf8" });
writeFileSync(path.join(out, "polyplug-sdk-requirements.txt"), pins);

// Go: the module with the SDK and the generated code it imports; no tests, examples or fixtures.
const goOut = path.join(out, "polyplug-sdk-go");
const examplesGo = path.join(repo, "examples-go");
for (const name of ["go.mod", "go.sum"]) cpSync(path.join(examplesGo, name), path.join(goOut, name));
const goSources = (source) => !source.endsWith("_test.go") && !source.includes(`${path.sep}hostfixture`);
cpSync(path.join(examplesGo, "sdk"), path.join(goOut, "sdk"), { recursive: true, filter: goSources });
cpSync(path.join(examplesGo, "gen"), path.join(goOut, "gen"), { recursive: true, filter: goSources });

console.log(`SDK artifacts in ${path.relative(repo, out)}: ${readdirSync(out).join(", ")}`);
