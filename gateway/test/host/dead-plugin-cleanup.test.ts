// What the host lets a plugin cost: an answer over the contract's 16 MiB message limit is
// refused with a clear error (the plugin keeps serving), and a plugin that dies has its
// broker listeners and private socket directory released at once, not at gateway stop.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { MAX_MESSAGE_BYTES } from "@polyplug/sdk/internal/goplugin/channel.js";
import { ErrorCode, PolyplugError } from "../../src/index.js";
import { startPlugin } from "../../src/entry/host.js";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

describe("message limit", () => {
  it("is the contract's 16 MiB", () => {
    expect(MAX_MESSAGE_BYTES).toBe(16 * 1024 * 1024);
  });

  it("refuses a plugin's answer over 16 MiB with resource_exhausted naming the limit, and the plugin still answers", async () => {
    const plugin = await startPlugin({
      command: process.execPath,
      args: [fixturePaths.nodeFixture("big-answer.mjs")],
      startTimeoutMs: 20_000,
    });
    try {
      const error = await plugin
        .client(Plugin)
        .intercept({ topic: "t.big" }, { deadline: 20_000 })
        .then(
          () => undefined,
          (reason: unknown) => PolyplugError.from(reason),
        );
      expect(error?.code).toBe(ErrorCode.ResourceExhausted);
      expect(error?.message).toMatch(/larger than the limit of 16777216 bytes/);
      expect(await plugin.health(5000)).toBe("SERVING");
    } finally {
      await plugin.shutdown();
    }
  });
});

describe("a plugin that dies", () => {
  it("has its broker listener and socket directory removed at once", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "pp-sock-"));
    const plugin = await startPlugin({
      command: fixturePaths.goScripted,
      env: { SCRIPTED_PLUGIN_ID: "p.dies" },
      socketDirBase: base,
      startTimeoutMs: 20_000,
    });
    const id = plugin.broker.nextId();
    await plugin.broker.acceptAndServe(id, () => undefined);
    const [dir] = readdirSync(base);
    expect(dir).toBeDefined();
    const socketDir = path.join(base, dir as string);
    expect(readdirSync(socketDir)).toContain(`host-broker-${id}.sock`);
    process.kill(plugin.pid as number, "SIGKILL");
    const { error } = await plugin.exited;
    expect(error?.code).toBe(ErrorCode.PluginExited);
    await eventually(() => !existsSync(socketDir), 10_000, "socket dir removed after the plugin died");
    expect(readdirSync(base)).toEqual([]);
  });
});
