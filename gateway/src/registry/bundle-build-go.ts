import { access, chmod } from "node:fs/promises";
import path from "node:path";
import type { BundleBuildOptions } from "./bundle-build-options.js";
import type { Manifest } from "./manifest.js";
import { runTool } from "./run-tool.js";

/** Node's platform names that differ from Go's GOOS in `executables` keys. */
const GOOS: Readonly<Record<string, string>> = { win32: "windows" };

/** True when `dir` is a Go module whose manifest lists executables per os-arch. */
export async function isGoPlugin(dir: string, manifest: Manifest): Promise<boolean> {
  if (!manifest.executables) return false;
  return access(path.join(dir, "go.mod")).then(
    () => true,
    () => false,
  );
}

/**
 * Cross-builds the Go module in `dir` once per `executables` entry (`linux-arm64` →
 * GOOS=linux GOARCH=arm64, CGO off, -trimpath) into `stageDir` at the path the manifest names.
 */
export async function buildGoExecutables(
  dir: string,
  stageDir: string,
  manifest: Manifest,
  options: BundleBuildOptions,
): Promise<void> {
  for (const [platform, relative] of Object.entries(manifest.executables ?? {})) {
    const [os = "", arch = ""] = platform.split("-");
    const output = path.join(stageDir, relative);
    options.onStep?.(`go build ${platform} → ${relative}`);
    await runTool("go", ["build", "-trimpath", "-o", output, "."], {
      cwd: dir,
      env: { GOOS: GOOS[os] ?? os, GOARCH: arch, CGO_ENABLED: "0" },
      what: `building ${manifest.id} for ${platform}`,
    });
    await chmod(output, 0o755);
  }
}
