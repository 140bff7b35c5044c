import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The third-party plugin the suite is shown on: go-plugin's own gRPC KV example, never committed here. */
export const GO_PLUGIN_MODULE = "github.com/hashicorp/go-plugin@v1.8.0";
/** Its handshake (examples/grpc/shared/interface.go). */
export const KV_COOKIE = { key: "BASIC_PLUGIN", value: "hello" } as const;

/**
 * Fetches go-plugin through the Go module proxy (or the module cache, offline after the first
 * fetch) and builds examples/grpc/plugin-go-grpc into a temp dir. Resolves with the binary,
 * or with `{ skipped }` saying why it cannot be built here (no Go, proxy unreachable).
 */
export async function buildKvExample(): Promise<{ binary: string } | { skipped: string }> {
  const env = { ...process.env, GOFLAGS: "-mod=mod" };
  let dir: string;
  try {
    const { stdout } = await run("go", ["mod", "download", "-json", GO_PLUGIN_MODULE], { env, timeout: 180_000 });
    dir = (JSON.parse(stdout) as { Dir?: string }).Dir ?? "";
    if (!dir) return { skipped: `go mod download ${GO_PLUGIN_MODULE} reported no directory` };
  } catch (error) {
    return {
      skipped: `cannot fetch ${GO_PLUGIN_MODULE} (no Go toolchain, or the module proxy is unreachable and the module is not cached): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    };
  }
  const binary = path.join(await mkdtemp(path.join(tmpdir(), "go-plugin-kv-")), "kv-plugin");
  try {
    await run("go", ["build", "-o", binary, "./examples/grpc/plugin-go-grpc"], { cwd: dir, env, timeout: 300_000 });
  } catch (error) {
    return {
      skipped: `cannot build go-plugin's KV example (its dependencies may not be fetchable offline): ${error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : String(error)}`,
    };
  }
  return { binary };
}
