// What the host says when a plugin misbehaves before or during the handshake.
import { mkdtempSync, readdirSync } from "node:fs";
import path from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/index.js";
import { startPlugin, type StartPluginOptions } from "../../src/entry/host.js";
import { fixturePaths } from "../paths.js";

async function failure(options: Partial<StartPluginOptions> & { command: string }): Promise<PolyplugError> {
  try {
    const plugin = await startPlugin({ startTimeoutMs: 10_000, ...options });
    await plugin.shutdown();
  } catch (error) {
    expect(error).toBeInstanceOf(PolyplugError);
    return error as PolyplugError;
  }
  throw new Error("expected the start to fail");
}

const node = process.execPath;

describe("start failures", () => {
  it("quotes a garbage handshake line", async () => {
    const error = await failure({ command: node, args: [fixturePaths.nodeFixture("garbage-handshake.mjs")] });
    expect(error.code).toBe(ErrorCode.HandshakeInvalid);
    expect(error.message).toContain('"hello from a program that is not a plugin"');
  });

  it("reports a plugin that exits before the handshake, with its exit code and stderr", async () => {
    const error = await failure({ command: node, args: [fixturePaths.nodeFixture("exit-early.mjs")] });
    expect(error.code).toBe(ErrorCode.PluginExited);
    expect(error.message).toMatch(/exit code 3/);
    expect(error.message).toContain("config file /etc/missing.conf not found");
  });

  it("times out a plugin that never prints, and kills it", async () => {
    const error = await failure({
      command: node,
      args: [fixturePaths.nodeFixture("never-prints.mjs")],
      startTimeoutMs: 2000,
    });
    expect(error.code).toBe(ErrorCode.HandshakeTimeout);
    expect(error.message).toMatch(/within 2000 ms/);
    expect(error.message).toContain("starting up slowly...");
  });

  it("refuses netrpc plugins with a clear message", async () => {
    const error = await failure({ command: node, args: [fixturePaths.nodeFixture("netrpc-handshake.mjs")] });
    expect(error.code).toBe(ErrorCode.UnsupportedProtocol);
    expect(error.message).toMatch(/only the gRPC flavour/);
  });

  it("says when the executable does not exist", async () => {
    const error = await failure({ command: "/nonexistent/plugin-binary" });
    expect(error.code).toBe(ErrorCode.StartFailed);
    expect(error.message).toContain("/nonexistent/plugin-binary");
  });

  it("fails clearly when AutoMTLS is on but the plugin sends no certificate", async () => {
    const error = await failure({ command: node, args: [fixturePaths.nodeFixture("tcp-plugin.mjs")], autoMtls: true });
    expect(error.code).toBe(ErrorCode.TlsFailed);
    expect(error.message).toMatch(/ignored PLUGIN_CLIENT_CERT/);
  });

  it("rejects bad options before spawning anything", async () => {
    await expect(startPlugin({ command: "x", minPort: 30000, maxPort: 20000 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(
      startPlugin({
        command: "x",
        handshake: { magicCookieKey: "BAD KEY", magicCookieValue: "v", protocolVersions: [1] },
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
  });

  it("leaves no socket directory behind after a failure", async () => {
    const socketDirBase = mkdtempSync(path.join(tmpdir(), "sockets-"));
    await failure({ command: node, args: [fixturePaths.nodeFixture("garbage-handshake.mjs")], socketDirBase });
    await failure({ command: node, args: [fixturePaths.nodeFixture("exit-early.mjs")], socketDirBase });
    await failure({
      command: node,
      args: [fixturePaths.nodeFixture("never-prints.mjs")],
      socketDirBase,
      startTimeoutMs: 200,
    });
    expect(readdirSync(socketDirBase)).toEqual([]);
  });
});

describe("plugin environment", () => {
  it("passes the cookie, versions, port range and a private socket dir, and not the host's secrets", async () => {
    process.env.POLYPLUG_TEST_SECRET = "do-not-leak";
    const error = await failure({
      command: node,
      args: [fixturePaths.nodeFixture("env-dump.mjs")],
      env: { EXTRA: "yes", PLUGIN_MIN_PORT: "1" },
      minPort: 12000,
      maxPort: 12010,
    });
    delete process.env.POLYPLUG_TEST_SECRET;
    const env = JSON.parse((error.details.stderr as string[])[0] ?? "{}") as Record<string, string>;
    expect(env).toMatchObject({
      POLYPLUG_PLUGIN: expect.any(String),
      PLUGIN_PROTOCOL_VERSIONS: "1",
      PLUGIN_MIN_PORT: "12000",
      PLUGIN_MAX_PORT: "12010",
      EXTRA: "yes",
    });
    expect(env.PLUGIN_UNIX_SOCKET_DIR).toMatch(/polyplug-/);
    expect(env.PLUGIN_CLIENT_CERT).toBeUndefined();
    expect(env.POLYPLUG_TEST_SECRET).toBeUndefined();
    expect(env.PATH).toBeDefined();
  });
});

describe("a minimal non-Go plugin over TCP", () => {
  it("connects over TCP within the port range and tolerates a missing broker and stdio", async () => {
    const plugin = await startPlugin({
      command: node,
      args: [fixturePaths.nodeFixture("tcp-plugin.mjs")],
      minPort: 23100,
      maxPort: 23200,
    });
    expect(plugin.handshake.network).toBe("tcp");
    const port = Number(plugin.handshake.address.split(":")[1]);
    expect(port).toBeGreaterThanOrEqual(23100);
    expect(port).toBeLessThanOrEqual(23200);
    expect(await plugin.health()).toBe("SERVING");
    await expect(plugin.broker.dial(1, 200)).rejects.toMatchObject({ code: ErrorCode.BrokerFailed });
    expect(plugin.broker.available).toBe(false);
    expect(await plugin.shutdown()).toBe("graceful");
  });
});
