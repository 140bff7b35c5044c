import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, PolyplugError } from "../errors.js";

// src/scaffold or dist/scaffold → the gateway package.
const gatewayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The folder of SDK copies the gateway package ships (built by gateway/scripts/pack-sdks.mjs). */
export const SDK_ARTIFACTS_DIR = path.join(gatewayDir, "sdk-artifacts");

/** The gateway's CLI as an absolute command line that works from any folder. */
export const GATEWAY_CLI = path.join(gatewayDir, "bin", "polyplug.js");

/** The SDK copies shipped with this gateway, by absolute path. */
export interface SdkArtifacts {
  /** @polyplug/sdk packed by `npm pack`. */
  readonly npmTarball: string;
  /** The polyplug-sdk wheel. */
  readonly wheel: string;
  /** `name==version` lines of the wheel's dependencies. */
  readonly pythonPins: readonly string[];
  /** The Go SDK module folder (go.mod, go.sum, sdk/, gen/). */
  readonly goModuleDir: string;
  /** Its module path, from go.mod. */
  readonly goModule: string;
  /** The require blocks of its go.mod. */
  readonly goRequires: string;
}

function only(dir: string, pattern: RegExp, what: string): string {
  const found = existsSync(dir) ? readdirSync(dir).filter((name) => pattern.test(name)) : [];
  if (found.length !== 1 || !found[0]) {
    throw new PolyplugError(
      ErrorCode.FailedPrecondition,
      `the gateway package has ${found.length === 0 ? "no" : "more than one"} ${what} in ${dir}; in a Polyplug checkout run \`npm run build\` (it packs the SDKs with gateway/scripts/pack-sdks.mjs)`,
    );
  }
  return path.join(dir, found[0]);
}

/** Finds the SDK copies in `dir` (default: this gateway's). Throws `failed_precondition` when one is missing. */
export function findSdkArtifacts(dir: string = SDK_ARTIFACTS_DIR): SdkArtifacts {
  const npmTarball = only(dir, /^polyplug-sdk-.+\.tgz$/, "@polyplug/sdk tarball (polyplug-sdk-*.tgz)");
  const wheel = only(dir, /^polyplug_sdk-.+\.whl$/, "polyplug-sdk wheel (polyplug_sdk-*.whl)");
  const goModuleDir = path.join(dir, "polyplug-sdk-go");
  const pinsFile = path.join(dir, "polyplug-sdk-requirements.txt");
  for (const needed of [path.join(goModuleDir, "go.mod"), pinsFile]) {
    if (!existsSync(needed))
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `the gateway package has no ${needed}; in a Polyplug checkout run \`npm run build\` (it packs the SDKs)`,
      );
  }
  const goMod = readFileSync(path.join(goModuleDir, "go.mod"), "utf8");
  const goModule = goMod.match(/^module\s+(\S+)/m)?.[1] ?? "";
  const goRequires = goMod.match(/^require \([\s\S]*?^\)/gm)?.join("\n\n") ?? "";
  const pythonPins = readFileSync(pinsFile, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return { npmTarball, wheel, pythonPins, goModuleDir, goModule, goRequires };
}
