import { ErrorCode, PolyplugError } from "../errors.js";
import type { BundleScan } from "./bundle-scan.js";
import type { Manifest } from "./manifest.js";

function resolveInBundle(scan: BundleScan, relative: string): string | undefined {
  const segments = [scan.top];
  for (const segment of relative.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return undefined;
    segments.push(segment);
  }
  return segments.join("/");
}

/**
 * Checks that the programs a manifest names are in the bundle: every `executables` entry
 * must be a file (executable for non-Windows targets) or a symlink; a `command` whose first
 * word is a relative path (`bin/run`, `./run.sh`) must be too. Throws `invalid_argument`.
 */
export function checkBundleExecutables(manifest: Manifest, scan: BundleScan, manifestFile: string): void {
  const check = (field: string, relative: string, needsExecBit: boolean) => {
    const inBundle = resolveInBundle(scan, relative);
    const entry = inBundle === undefined ? undefined : scan.entries.get(inBundle);
    if (!entry || entry.type === "Directory") {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `${manifestFile}: field ${field}: ${JSON.stringify(relative)} is not a file in the bundle`,
        { details: { field } },
      );
    }
    if (needsExecBit && entry.type === "File" && (entry.mode & 0o111) === 0) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `${manifestFile}: field ${field}: ${JSON.stringify(relative)} is not executable (mode ${entry.mode.toString(8)}); chmod +x it before bundling`,
        {
          details: { field },
        },
      );
    }
  };
  for (const [platform, relative] of Object.entries(manifest.executables ?? {})) {
    check(`executables.${platform}`, relative, !platform.startsWith("windows-"));
  }
  const first = manifest.command?.[0];
  if (first?.includes("/") && !first.startsWith("/")) check("command.0", first, false);
}
