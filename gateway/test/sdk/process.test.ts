// The go-plugin process contract of TS plugins: cookie check, stdout guard, listeners,
// SIGINT, parent death, shutdown, negotiation, hclog lines.
import { spawn, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/index.js";
import { POLYPLUG_HANDSHAKE } from "../../src/entry/host.js";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { eventually } from "../log-capture.js";
import { alive } from "../process-tree.js";
import { ensureSdkBuilt, sdkPaths, startNodePlugin, stopAll } from "./harness.js";

const HCLOG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

beforeAll(ensureSdkBuilt);
afterAll(stopAll);

describe("TS plugin process", () => {
  it("run directly without the cookie: go-plugin's three lines on stderr, nothing on stdout, exit 1", () => {
    const env = { ...process.env };
    delete env.POLYPLUG_PLUGIN;
    const result = spawnSync(process.execPath, [sdkPaths.example("auditlog")], {
      env,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n",
    );
  });

  it("a wrong cookie value is refused the same way", () => {
    const result = spawnSync(process.execPath, [sdkPaths.example("linkpreview")], {
      env: { ...process.env, POLYPLUG_PLUGIN: "wrong" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("This binary is a plugin.");
  });

  it("stray stdout output before the handshake goes to stderr; after it, through GRPCStdio", async () => {
    const plugin = await startNodePlugin(sdkPaths.fixture("faulty-plugin.mjs"));
    expect(await plugin.health()).toBe("SERVING");
    expect(plugin.stderrTail()).toEqual(
      expect.arrayContaining(["stray console.log before the handshake", "stray stdout write before the handshake"]),
    );
    await plugin.client(Plugin).notify({ topic: "after.handshake", payload: {} });
    await eventually(
      () => plugin.stderrTail().includes("stdout after the handshake: after.handshake"),
      5000,
      "stdio line",
    );
  });

  it("listens on a 0600 unix socket and logs hclog JSON with six-digit timestamps", async () => {
    const plugin = await startNodePlugin(sdkPaths.example("linkpreview"));
    expect(plugin.handshake.network).toBe("unix");
    expect(statSync(plugin.handshake.address).mode & 0o777).toBe(0o600);
    const record = JSON.parse(plugin.stderrTail().find((line) => line.startsWith("{")) ?? "{}") as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({
      "@level": "debug",
      "@message": "plugin address",
      "@module": "polyplug.sdk",
      network: "unix",
    });
    expect(record["@timestamp"]).toMatch(HCLOG_TIMESTAMP);
  });

  it("listens on TCP 127.0.0.1 within the port range when POLYPLUG_PLUGIN_NETWORK=tcp", async () => {
    const plugin = await startNodePlugin(sdkPaths.example("linkpreview"), {
      env: { POLYPLUG_PLUGIN_NETWORK: "tcp" },
      minPort: 23100,
      maxPort: 23200,
    });
    expect(plugin.handshake.network).toBe("tcp");
    const port = Number(plugin.handshake.address.split(":")[1]);
    expect(plugin.handshake.address.startsWith("127.0.0.1:")).toBe(true);
    expect(port).toBeGreaterThanOrEqual(23100);
    expect(port).toBeLessThanOrEqual(23200);
    expect(await plugin.health()).toBe("SERVING");
  });

  it("announces its lowest version when the host offers none of its own; the host rejects it", async () => {
    const failure = await startNodePlugin(sdkPaths.example("linkpreview"), {
      handshake: { ...POLYPLUG_HANDSHAKE, protocolVersions: [7] },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PolyplugError);
    expect((failure as PolyplugError).code).toBe(ErrorCode.IncompatibleVersion);
  });

  it("ignores SIGINT and exits 0 promptly on Shutdown", async () => {
    const plugin = await startNodePlugin(sdkPaths.example("linkpreview"));
    process.kill(plugin.pid ?? 0, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await plugin.health()).toBe("SERVING");
    const started = Date.now();
    expect(await plugin.shutdown()).toBe("graceful");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(plugin.exitInfo).toEqual({ exitCode: 0, signal: undefined });
  });

  it("exits when its parent dies", async () => {
    const parent = spawn(process.execPath, [sdkPaths.fixture("orphan-parent.mjs"), sdkPaths.example("linkpreview")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once("line", resolve);
      parent.once("exit", () => reject(new Error("the fake host exited early")));
    });
    const pid = Number(line.split(" ")[0]);
    expect(line).toMatch(/^\d+ 1\|1\|unix\|/);
    expect(alive(pid)).toBe(true);
    parent.kill("SIGKILL");
    await eventually(() => !alive(pid), 6000, "the orphaned plugin to exit");
  });
});
