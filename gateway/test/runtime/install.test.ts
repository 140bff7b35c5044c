// Installing, upgrading (with rollback) and removing plugins in a running gateway.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { ErrorCode } from "../../src/errors.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "./scripted-plugins.js";

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

function pluginFolder(version: string, env: Record<string, string> = {}): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "bundle-")), "p.x");
  mkdirSync(dir);
  const manifest = {
    id: "p.x",
    name: "X",
    version,
    command: [fixturePaths.goScripted],
    env: { SCRIPTED_PLUGIN_ID: "p.x", ...env },
    hooks: { intercept: [{ topic: "test.*" }] },
  };
  writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest));
  return dir;
}

describe("install, upgrade, remove", () => {
  it("installs, rolls back a failing upgrade, upgrades, and removes", async () => {
    gateway = await createGateway({
      pluginsDirs: [],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      policy: { restartBaseMs: 20, restartMaxMs: 40, crashLoopFailures: 0 },
    });
    const installed = await gateway.install(pluginFolder("1.0.0"));
    expect(installed).toMatchObject({ pluginId: "p.x", version: "1.0.0", state: "active", managed: true });

    await expect(gateway.install(pluginFolder("2.0.0", { SCRIPTED_CRASH_ON_START: "1" }))).rejects.toMatchObject({
      code: ErrorCode.FailedPrecondition,
      message: expect.stringMatching(
        /p\.x 2\.0\.0 failed to activate: .*exit code 3.*; rolled back to version 1\.0\.0/s,
      ),
    });
    expect(gateway.plugin("p.x")).toMatchObject({ version: "1.0.0", state: "active" });
    expect((await gateway.dispatcher.intercept("test.x", { script: { "p.x": "modify" } })).payload.trail).toEqual([
      "p.x",
    ]);

    expect(await gateway.install(pluginFolder("2.0.0"))).toMatchObject({ version: "2.0.0", state: "active" });
    const dir = gateway.plugin("p.x").dir;
    await gateway.remove("p.x");
    expect(existsSync(dir)).toBe(false);
    expect(gateway.plugins()).toEqual([]);
  });

  it("refuses to replace or remove a plugin it does not manage", async () => {
    const root = path.dirname(pluginFolder("1.0.0"));
    gateway = await createGateway({
      pluginsDirs: [root],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
    });
    await expect(gateway.install(pluginFolder("2.0.0"))).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(gateway.remove("p.x")).rejects.toMatchObject({ code: ErrorCode.FailedPrecondition });
  });
});
