// Pack → read → install on a real gateway, with a real Go plugin binary inside the bundle.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { packBundle, readBundle } from "../../src/registry/bundle.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { dataDir } from "../runtime/scripted-plugins.js";
import { scriptedPluginFolder, tempDir } from "./bundle-fixtures.js";

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
    expect(first).toMatchObject({ bytes: statSync(first.file).size, manifest: { id: "com.example.roundtrip", version: "1.0.0" } });

    const bundle = await readBundle(first.file);
    try {
      expect(path.basename(bundle.dir)).toBe("com.example.roundtrip");
      expect(bundle.sha256).toBe(first.sha256);
      expect(bundle.signature).toEqual({ signed: false });
      expect(statSync(path.join(bundle.dir, "bin", "scripted")).mode & 0o777).toBe(0o755);
      expect(statSync(path.dirname(bundle.dir)).mode & 0o777).toBe(0o700);

      gateway = await createGateway({ pluginsDirs: [], dataDir: dataDir(), port: 0, logger: pino({ level: "silent" }) });
      expect(await gateway.install(bundle.dir)).toMatchObject({ pluginId: "com.example.roundtrip", state: "active", managed: true });
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
});
