// `polyplug plugin install|remove` with real bundles (packBundle) through the Admin API:
// first install, a failing upgrade rolled back, an upgrade, signatures, removal.
import type { KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packBundle } from "../../src/registry/bundle.js";
import { readSigningKey } from "../../src/registry/signature.js";
import { generateSigningKey, trustedKeysDir } from "../../src/registry/signature-keys.js";
import { startAdminFixture, scriptedFolder, type AdminFixture } from "./admin-harness.js";

let fx: AdminFixture;
beforeAll(async () => {
  fx = await startAdminFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function bundle(version: string, env: Record<string, string> = {}, signingKey?: KeyObject): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-bundle-src-"));
  const dir = scriptedFolder(root, "p.gamma", version, {}, env);
  const out = path.join(root, `p.gamma-${version}.tar.gz`);
  await packBundle(dir, out, signingKey ? { signingKey } : {});
  return out;
}

describe("plugin install", () => {
  it("installs a bundle, rolls back a failing upgrade, upgrades, and removes", async () => {
    const first = await fx.cli(["plugin", "install", await bundle("1.0.0"), "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ plugin: { id: "p.gamma", version: "1.0.0", state: "PLUGIN_STATE_ACTIVE", managed: true }, previousVersion: "", signed: false, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const broken = await fx.cli(["plugin", "install", await bundle("2.0.0", { SCRIPTED_CRASH_ON_START: "1" })]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/p\.gamma 2\.0\.0 failed to activate: .*rolled back to version 1\.0\.0/s);
    expect(fx.gateway.plugin("p.gamma")).toMatchObject({ version: "1.0.0", state: "active" });

    const upgrade = await fx.cli(["plugin", "install", await bundle("2.0.0")]);
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toMatch(/✔ upgraded p\.gamma 1\.0\.0 → 2\.0\.0 — active/);

    const removed = await fx.cli(["plugin", "remove", "p.gamma", "--json"]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ version: "2.0.0" });
    expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.gamma");
  });

  it("refuses an unsigned bundle when a signature is required, installing nothing", async () => {
    const result = await fx.cli(["plugin", "install", await bundle("1.0.0"), "--require-signature", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "permission_denied", message: expect.stringContaining("not signed") } });
    expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.gamma");
  });

  it("installs a bundle signed by a trusted key (its .sig found next to it) when a signature is required", async () => {
    const keysDir = trustedKeysDir(fx.dataDir);
    mkdirSync(keysDir, { recursive: true });
    const key = await generateSigningKey(keysDir, "release");
    const signed = await bundle("3.0.0", {}, await readSigningKey(key.privateKeyFile));
    const result = await fx.cli(["plugin", "install", signed, "--require-signature", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ plugin: { id: "p.gamma", version: "3.0.0" }, signed: true, keyId: key.keyId });
    expect((await fx.cli(["plugin", "remove", "p.gamma"])).code).toBe(0);
  });

  it("refuses what is not a bundle, and a plugin it does not manage", async () => {
    const junk = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-junk-")), "junk.tar.gz");
    writeFileSync(junk, "not a tarball");
    const notBundle = await fx.cli(["plugin", "install", junk, "--json"]);
    expect(notBundle.code).toBe(1);
    expect(JSON.parse(notBundle.stdout)).toMatchObject({ error: { code: "invalid_argument" } });
    const unmanaged = await fx.cli(["plugin", "remove", "p.alpha"]);
    expect(unmanaged.code).toBe(1);
    expect(unmanaged.stderr).toMatch(/not manage/);
    const missing = await fx.cli(["plugin", "install", "/nonexistent.tar.gz"]);
    expect(missing.code).toBe(2);
  });
});
