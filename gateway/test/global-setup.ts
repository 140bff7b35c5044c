import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fixturePaths } from "./paths.js";

// Builds the Go fixture plugin and the gateway when `vitest` runs on its own
// (`npm test` has done both already; go build is a no-op when nothing changed).
export default function setup(): void {
  if (!existsSync(fixturePaths.goHostFixture) || !existsSync(fixturePaths.goScripted)) {
    execFileSync("go", ["build", "-o", "bin/", "./internal/fixtures/..."], {
      cwd: fixturePaths.examplesGo,
      stdio: "inherit",
    });
  }
  if (!existsSync(fixturePaths.cli)) {
    execFileSync("npx", ["tsc", "-p", "sdk/tsconfig.build.json"], { cwd: fixturePaths.gateway, stdio: "inherit" });
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: fixturePaths.gateway, stdio: "inherit" });
  }
  // bin/polyplug.js runs dist/cli-bundle/ only while it is as new as dist/ (else the modules):
  // rebuild a missing or stale bundle so the tests that run the bin run what users run.
  const bundle = path.join(fixturePaths.gateway, "dist", "cli-bundle", "polyplug.cjs");
  const runModule = path.join(fixturePaths.gateway, "dist", "cli", "run.js");
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(runModule).mtimeMs) {
    execFileSync(process.execPath, [path.join(fixturePaths.gateway, "scripts", "bundle-cli.mjs")], {
      stdio: "inherit",
    });
  }
  // The SDK copies `polyplug new` vendors into scaffolds.
  if (!existsSync(path.join(fixturePaths.gateway, "sdk-artifacts"))) {
    execFileSync(process.execPath, [path.join(fixturePaths.gateway, "scripts", "pack-sdks.mjs")], { stdio: "inherit" });
  }
}
