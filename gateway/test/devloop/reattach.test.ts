import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reattachConfigs } from "../../src/runtime/reattach-plugins.js";
import { fixturePaths } from "../paths.js";
import { startWatched, type WatchedProcess } from "../fixtures/cli-process.js";
import { intercept, pythonPlugin } from "./dev-plugin.js";

const python = path.join(fixturePaths.repo, ".venv", "bin", "python");
const goWordfilter = path.join(fixturePaths.examplesGo, "plugins", "wordfilter", "bin", "wordfilter");
const running: WatchedProcess[] = [];

afterEach(async () => {
  for (const process of running.splice(0)) {
    process.child.kill("SIGKILL");
    await process.exited;
  }
});

function watched(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): WatchedProcess {
  const process = startWatched(command, args, { env, ...(cwd ? { cwd } : {}) });
  running.push(process);
  return process;
}

/** Starts a plugin by hand in debug mode, as someone would under a debugger; resolves with its reattach JSON. */
async function debugPlugin(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ plugin: WatchedProcess; reattach: string }> {
  const plugin = watched(command, args, { POLYPLUG_DEBUG: "1" }, cwd);
  const [, reattach] = await plugin.waitFor(/^POLYPLUG_REATTACH=(\{.*\})$/m);
  return { plugin, reattach: reattach! };
}

function serve(pluginsDir: string, extra: readonly string[], env: NodeJS.ProcessEnv = {}): WatchedProcess {
  const data = mkdtempSync(path.join(tmpdir(), "polyplug-reattach-data-"));
  return watched(
    process.execPath,
    [
      fixturePaths.bin,
      "serve",
      "--plugins",
      pluginsDir,
      "--listen",
      "127.0.0.1:0",
      "--admin-listen",
      "127.0.0.1:0",
      "--data",
      data,
      "--log-format",
      "json",
      ...extra,
    ],
    env,
  );
}

describe("attaching to a plugin started by hand (debug workflow)", () => {
  it("Python SDK: POLYPLUG_DEBUG prints a reattach config; serve --reattach uses it and leaves the plugin running", async () => {
    const dir = pythonPlugin("debugged");
    const { plugin, reattach } = await debugPlugin(python, ["plugin.py"], dir);
    expect(JSON.parse(reattach)).toMatchObject({
      Protocol: "grpc",
      ProtocolVersion: 1,
      Test: true,
      Pid: plugin.child.pid,
      Addr: { Network: "unix" },
    });
    const gateway = serve(dir, ["--reattach", `com.example.devloop=${reattach}`]);
    const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(gateway.output()).toMatch(/com\.example\.devloop 0\.1\.0 — active/);
    expect((await intercept(url!)).rejection?.reason).toBe("debugged");
    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
    // Test-mode reattach never signals the process: the debugging session goes on.
    expect(plugin.child.exitCode).toBeNull();
    expect(process.kill(plugin.child.pid!, 0)).toBe(true);
  }, 300_000);

  it("Go SDK: the same through POLYPLUG_REATTACH_PLUGINS (Terraform's TF_REATTACH_PROVIDERS shape)", async () => {
    const dir = path.join(fixturePaths.examplesGo, "plugins", "wordfilter");
    const { reattach } = await debugPlugin(goWordfilter, [], dir);
    const gateway = serve(dir, [], {
      POLYPLUG_REATTACH_PLUGINS: JSON.stringify({ "com.polyplug.example.wordfilter": JSON.parse(reattach) }),
    });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const answer = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "message.will_be_posted", payload: { message: "this is forbidden" } }),
    });
    expect(await answer.json()).toMatchObject({
      allowed: false,
      rejection: { pluginId: "com.polyplug.example.wordfilter" },
    });
  }, 300_000);

  it("TypeScript SDK: the same with a plugin started under node by hand", async () => {
    const dir = path.join(fixturePaths.gateway, "examples", "linkpreview");
    const { plugin, reattach } = await debugPlugin(process.execPath, ["plugin.mjs"], dir);
    const gateway = serve(dir, ["--reattach", `com.polyplug.example.linkpreview=${reattach}`]);
    const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const answer = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        topic: "message.will_be_posted",
        payload: { message: "see https://example.com/?utm_source=x" },
      }),
    });
    expect(await answer.json()).toMatchObject({
      allowed: true,
      steps: [{ pluginId: "com.polyplug.example.linkpreview" }],
    });
    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
    expect(plugin.child.exitCode).toBeNull();
  }, 300_000);

  it("refuses bad reattach configs naming the plugin and the problem", () => {
    expect(() => reattachConfigs(["no-equals"], undefined)).toThrow(/--reattach takes PLUGIN_ID=JSON/);
    expect(() => reattachConfigs(["com.x={"], undefined)).toThrow(
      /reattach config for com\.x: reattach config is not valid JSON/,
    );
    expect(() => reattachConfigs([], "[1]")).toThrow(/POLYPLUG_REATTACH_PLUGINS must be a JSON object/);
    expect(() => reattachConfigs([], "{nope")).toThrow(/POLYPLUG_REATTACH_PLUGINS is not valid JSON/);
    expect(() =>
      reattachConfigs([], JSON.stringify({ "com.y": { Pid: 0, Addr: { Network: "unix", String: "/x" } } })),
    ).toThrow(/com\.y: reattach config: Pid must be a positive integer/);
    const both = reattachConfigs(
      ['com.a={"Pid":7,"Addr":{"Network":"unix","String":"/a"}}'],
      JSON.stringify({ "com.a": { Pid: 8, Addr: { Network: "tcp", String: "127.0.0.1:1" } } }),
    );
    expect(both.get("com.a")).toMatchObject({ pid: 7, network: "unix", address: "/a" });
  });
});
