// What a gateway does not use is not loaded (issue 17, memory): `polyplug serve` imports
// neither the other commands' modules nor the bundle reader, the PostgreSQL store or the
// cluster node (they load on first use); nor, before its plugins are launched, the public
// server, the GatewayAPI or the Admin API (issue 17, row 4). Recorded with a module resolve hook in a child process.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveLogFlags } from "../fixtures/resolve-log.js";
import { serveArgs, serveRoot } from "../fixtures/serve-process.js";
import { fixturePaths } from "../paths.js";

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

/** Runs `polyplug <args>` (dist build) in a child and returns the dist modules it loaded, relative to dist/. */
async function modulesLoadedBy(args: readonly string[]): Promise<string[]> {
  const log = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-lazy-")), "resolved.txt");
  const script = `const { main } = await import(${JSON.stringify(path.join(dist, "cli", "main.js"))}); process.exitCode = await main(["node", "polyplug", ...${JSON.stringify(args)}], { out() {}, err() {} });`;
  const child = spawn(process.execPath, [...resolveLogFlags(log), "--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const prefix = new URL(`file://${dist}`).href;
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.startsWith(prefix))
    .map((url) => url.slice(prefix.length));
}

describe("lazy loading", () => {
  it("`polyplug serve` loads serve's modules only: no other command, bundle reader, PostgreSQL store or cluster node", async () => {
    const loaded = await modulesLoadedBy(["serve", "--help"]);
    expect(loaded).toContain("cli/serve.js");
    expect(loaded).toContain("runtime/gateway.js");
    for (const lazy of [
      // Loaded once the plugins are launched (issue 17, row 4: evaluated while they boot).
      "admin/admin-server.js",
      "surfaces/public-server.js",
      "plugin-api/gateway-api.js",
      "registry/run-tool.js",
      // The config file's schema: only with --config or --node-id.
      "runtime/serve-config.js",
      "cli/bundle.js",
      "cli/new.js",
      "cli/conformance.js",
      "cli/dev.js",
      "cli/check.js",
      "cli/plugin.js",
      "registry/bundle-read.js",
      "store/pg-store.js",
      "runtime/cluster-node.js",
    ]) {
      expect(loaded).not.toContain(lazy);
    }
  }, 30_000);

  it("`polyplug serve` spawns its plugin before loading the connection's code: plugin-client, grpc-js, protobuf descriptors, the HTTP/2 clients, the dispatcher", async () => {
    const root = serveRoot("polyplug-lazy-spawn-");
    const pluginDir = path.join(root, "plugins", "lazy.scripted");
    mkdirSync(pluginDir);
    writeFileSync(
      path.join(pluginDir, "plugin.json"),
      JSON.stringify({
        id: "lazy.scripted",
        name: "Scripted",
        version: "0.0.1",
        command: [fixturePaths.goScripted],
        env: { SCRIPTED_PLUGIN_ID: "lazy.scripted" },
      }),
    );
    const log = path.join(root, "resolved.txt");
    const args = serveArgs(root, ["--sandbox", "off"]);
    const script = `const { main } = await import(${JSON.stringify(fixturePaths.cli)}); await main(["node", "polyplug", ...${JSON.stringify(args)}]);`;
    const child = spawn(
      process.execPath,
      [...resolveLogFlags(log, { markSpawns: true }), "--input-type=module", "-e", script],
      {
        stdio: "ignore",
      },
    );
    const lines = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n") : []);
    // The first spawn is the plugin's (directly, or through the shell that enters its cgroup).
    const spawnAt = () => lines().findIndex((line) => line.startsWith("spawn "));
    try {
      // Wait for the spawn and for the connection's code (events, not a fixed sleep); where it came is checked below.
      await expect
        .poll(() => spawnAt() >= 0 && lines().some((url) => url.endsWith("/host/plugin-client.js")), {
          timeout: 60_000,
          interval: 50,
        })
        .toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
    const beforeSpawn = lines().slice(0, spawnAt());
    expect(beforeSpawn.some((url) => url.endsWith("/dist/host/start-plugin.js"))).toBe(true);
    for (const late of [
      "/dist/host/plugin-client.js",
      "/dist/host/health.js",
      "/goplugin/channel.js",
      "/goplugin/broker.js",
      "/goplugin/stdio.js",
      "/gen/plugin/grpc_controller_pb.js",
      "/gen/plugin/grpc_broker_pb.js",
      "/gen/plugin/grpc_stdio_pb.js",
      "/gen/grpc/health/v1/health_pb.js",
      "/@grpc/grpc-js/build/src/index.js",
      "/dist/rpc/plugin-unary-transport.js",
      "/dist/rpc/http2-unary.js",
      "/dist/rpc/h2/h2-connection.js",
      "node:http2",
      // No protobuf descriptor boots before the spawn (issue 17, row 4): the contract's enums are
      // plain values (contract/enums.ts), the session's code and the dispatcher load after it.
      "/gen/polyplug/v1/common_pb.js",
      "/gen/polyplug/v1/plugin_pb.js",
      "/@bufbuild/protobuf/dist/esm/wkt/index.js",
      "/dist/supervision/plugin-session.js",
      "/dist/supervision/hook-context.js",
      "/dist/dispatch/gateway-dispatcher.js",
    ]) {
      expect(beforeSpawn.filter((url) => url.endsWith(late))).toEqual([]);
    }
    expect(
      lines()
        .slice(spawnAt())
        .some((url) => url.endsWith("/dist/host/plugin-client.js")),
    ).toBe(true);
  }, 90_000);

  it("help still lists every command", async () => {
    const loaded = await modulesLoadedBy(["--help"]);
    for (const command of [
      "probe",
      "serve",
      "conformance",
      "status",
      "plugin",
      "bundle",
      "keys",
      "new",
      "dev",
      "check",
    ])
      expect(loaded).toContain(`cli/${command}.js`);
  }, 30_000);
});
