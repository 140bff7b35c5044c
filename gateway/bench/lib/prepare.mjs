// Builds what the benchmarks run: the Go baselines (host and gateway), the Go plugins, and the gateway
// (only when dist/ is missing; `npm run build` refreshes it). `go build` is a no-op when
// nothing changed, so this is quick on every run.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { paths } from "./paths.mjs";

/** @param {string} cmd @param {string[]} args @param {string} cwd */
function run(cmd, args, cwd) {
  try {
    execFileSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = /** @type {{stderr?: Buffer}} */ (error).stderr?.toString() ?? "";
    throw new Error(`\`${cmd} ${args.join(" ")}\` failed in ${cwd}:\n${stderr}`);
  }
}

/** Builds the Go host and plugins, and the gateway if it was never built. */
export function prepare() {
  run(
    "go",
    ["build", "-o", "bin/", "./bench/gohost", "./bench/gogateway", "./bench/httpload", "./internal/fixtures/scripted"],
    paths.examplesGo,
  );
  run("go", ["build", "-o", "bin/conformance", "."], paths.goConformanceDir);
  if (!existsSync(paths.gatewayDist)) run("npx", ["tsc", "-p", "tsconfig.build.json"], paths.gateway);
}
