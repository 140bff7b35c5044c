// Pack → read → install on a real gateway, with a real Go plugin binary inside the bundle.
import { readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { packBundle, readBundle } from "../../src/registry/bundle.js";
import { ErrorCode } from "../../src/errors.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { dataDir } from "../runtime/scripted-plugins.js";
import { scriptedPluginFolder, tempDir } from "./bundle-fixtures.js";
import { mkfifoSync } from "./mkfifo.js";

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe("bundle round trip", () => {
  it("packs deterministically, reads back, and installs into a running gateway", async () => {
    const source = scriptedPluginFolder("com.example.roundtrip", "1.0.0");
    const out = tempDir();
    const first = await packBundle(source, path.join(out, "a.tar.gz"));
    const second = await packBundle(source, path.join(out, "b.tar.gz"));
    expect(first.sha256).toBe(second.sha256);
    expect(readFileSync(first.file).equals(readFileSync(second.file))).toBe(true);
    expect(first).toMatchObject({
      bytes: statSync(first.file).size,
      manifest: { id: "com.example.roundtrip", version: "1.0.0" },
    });

    const bundle = await readBundle(first.file);
    try {
      expect(path.basename(bundle.dir)).toBe("com.example.roundtrip");
      expect(bundle.sha256).toBe(first.sha256);
      expect(bundle.signature).toEqual({ signed: false, trust: "unsigned" });
      expect(statSync(path.join(bundle.dir, "bin", "scripted")).mode & 0o777).toBe(0o755);
      expect(statSync(path.dirname(bundle.dir)).mode & 0o777).toBe(0o700);

      gateway = await createGateway({
        pluginsDirs: [],
        dataDir: dataDir(),
        port: 0,
        logger: pino({ level: "silent" }),
      });
      expect(await gateway.install(bundle.dir)).toMatchObject({
        pluginId: "com.example.roundtrip",
        state: "active",
        managed: true,
      });
      const answer = await gateway.dispatcher.intercept("test.x", { script: { "com.example.roundtrip": "modify" } });
      expect(answer.payload.trail).toEqual(["com.example.roundtrip"]);
    } finally {
      await bundle.cleanup();
    }
    expect(() => statSync(path.dirname(bundle.dir))).toThrow();
  });

  it("reads a bundle given as bytes", async () => {
    const source = scriptedPluginFolder("com.example.bytes", "1.0.0");
    const packed = await packBundle(source, path.join(tempDir(), "p.tar.gz"));
    const bundle = await readBundle(readFileSync(packed.file));
    expect(bundle.manifest.id).toBe("com.example.bytes");
    await bundle.cleanup();
  });

  it("an upgrade bundle that fails to activate rolls back to the running version", async () => {
    const out = tempDir();
    gateway = await createGateway({
      pluginsDirs: [],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      policy: { restartBaseMs: 20, restartMaxMs: 40, crashLoopFailures: 0 },
    });
    const installFrom = async (dir: string) => {
      const bundle = await readBundle(
        (await packBundle(dir, path.join(out, `${path.basename(path.dirname(dir))}.tar.gz`))).file,
      );
      try {
        return await gateway?.install(bundle.dir);
      } finally {
        await bundle.cleanup();
      }
    };
    await installFrom(scriptedPluginFolder("com.example.upgrade", "1.0.0"));
    await expect(
      installFrom(scriptedPluginFolder("com.example.upgrade", "2.0.0", { SCRIPTED_CRASH_ON_START: "1" })),
    ).rejects.toMatchObject({
      code: ErrorCode.FailedPrecondition,
      message: expect.stringMatching(/failed to activate: .*rolled back to version 1\.0\.0/s),
    });
    expect(gateway.plugin("com.example.upgrade")).toMatchObject({ version: "1.0.0", state: "active" });
    expect(await installFrom(scriptedPluginFolder("com.example.upgrade", "2.0.0"))).toMatchObject({
      version: "2.0.0",
      state: "active",
    });
  });

  it("refuses to pack links leading outside the folder, special files and invalid manifests", async () => {
    const out = path.join(tempDir(), "x.tar.gz");
    const escaping = scriptedPluginFolder("com.example.links", "1.0.0");
    symlinkSync("/etc/passwd", path.join(escaping, "passwd"));
    await expect(packBundle(escaping, out)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringMatching(/passwd: the symlink to "\/etc\/passwd" points outside the plugin folder/),
    });

    const fifo = scriptedPluginFolder("com.example.fifo", "1.0.0");
    mkfifoSync(path.join(fifo, "pipe"));
    await expect(packBundle(fifo, out)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringMatching(/pipe: only files, folders and symlinks can be bundled/),
    });

    const missing = scriptedPluginFolder("com.example.missing", "1.0.0");
    writeFileSync(
      path.join(missing, "plugin.json"),
      JSON.stringify({
        id: "com.example.missing",
        name: "m",
        version: "1.0.0",
        executables: { "linux-amd64": "bin/nope" },
      }),
    );
    await expect(packBundle(missing, out)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringMatching(/field executables\.linux-amd64: "bin\/nope" is not a file in the bundle/),
    });
    expect(() => statSync(out)).toThrow();
  });
});
