import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { ErrorCode, PolyplugError } from "../errors.js";
import { currentPlatformKey, type Manifest } from "../registry/manifest.js";

/** One command that builds (part of) a plugin from its sources. */
export interface BuildStep {
  /** What the step does, e.g. `go build -o bin/wordfilter .`. */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** What `buildPlugin` did. */
export interface BuildResult {
  readonly steps: readonly BuildStep[];
  readonly durationMs: number;
}

/** Most output kept from a failed build step for its error message. */
const OUTPUT_TAIL_CHARS = 8000;

/**
 * The build a plugin folder needs on this machine: a Go plugin (a manifest with `executables`
 * in a folder of a Go module) is built into its executable for this os-arch; a TypeScript/JavaScript
 * plugin with a `build` script in `package.json` runs it; interpreted plugins need nothing.
 */
export function buildSteps(dir: string, manifest: Manifest): BuildStep[] {
  const steps: BuildStep[] = [];
  const executable = manifest.executables?.[currentPlatformKey()];
  if (executable && insideGoModule(dir)) {
    steps.push({ label: `go build -o ${executable} .`, command: "go", args: ["build", "-o", executable, "."] });
  }
  const packageJson = path.join(dir, "package.json");
  if (existsSync(packageJson)) {
    const scripts =
      (JSON.parse(readFileSync(packageJson, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
    if (scripts.build) steps.push({ label: "npm run build", command: "npm", args: ["run", "build", "--silent"] });
  }
  return steps;
}

/** Whether `dir` or a folder above it has a go.mod (the plugin may be a package of a bigger module). */
function insideGoModule(dir: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, "go.mod"))) return true;
    if (path.dirname(at) === at) return false;
  }
}

/**
 * Runs the plugin's build steps in its folder, one after another. A failing step throws
 * FAILED_PRECONDITION with the command and the end of its output (compiler errors).
 */
export async function buildPlugin(
  dir: string,
  manifest: Manifest,
  steps: readonly BuildStep[] = buildSteps(dir, manifest),
): Promise<BuildResult> {
  const started = performance.now();
  for (const step of steps) {
    const result = await execa(step.command, [...step.args], { cwd: dir, all: true, reject: false, stdin: "ignore" });
    if (result.exitCode !== 0 || result.failed) {
      const output = (result.all ?? result.message ?? "").trim();
      const tail = output.length > OUTPUT_TAIL_CHARS ? `…${output.slice(-OUTPUT_TAIL_CHARS)}` : output;
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `build failed: ${step.label} (in ${dir})${tail ? `\n${tail}` : " printed nothing"}`,
      );
    }
  }
  return { steps, durationMs: performance.now() - started };
}
