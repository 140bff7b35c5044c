// `polyplug plugin install|remove` with real bundles (packBundle) through the Admin API:
// first install, a failing upgrade rolled back, an upgrade, signatures, removal, and the
// operator's approval of the permissions a bundle asks for.
import type { KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { packBundle } from "../../src/registry/bundle.js";
import { readSigningKey } from "../../src/registry/signature.js";
import { generateSigningKey, trustedKeysDir } from "../../src/registry/signature-keys.js";
import { startAdminFixture, scriptedFolder, type AdminFixture } from "./admin-harness.js";

// Each case runs several real CLI processes and plugin starts; a loaded 2-core machine needs room.
const SLOW = 180_000;

let fx: AdminFixture;
beforeAll(async () => {
  fx = await startAdminFixture({ signaturePolicy: "warn" });
});
afterAll(async () => {
  await fx?.close();
});

/** A bundle of the scripted plugin p.gamma; its manifest asks for log, config, kv, events unless `api` says otherwise. */
async function bundle(
  version: string,
  env: Record<string, string> = {},
  signingKey?: KeyObject,
  api?: string[],
  id = "p.gamma",
): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-bundle-src-"));
  const dir = scriptedFolder(root, id, version, api ? { permissions: { api } } : {}, env);
  const out = path.join(root, `${id}-${version}.tar.gz`);
  await packBundle(dir, out, signingKey ? { signingKey } : {});
  return out;
}

const admin = (url: string, token: string) =>
  createClient(
    Admin,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [
        (next) => (request) => {
          request.header.set("authorization", `Bearer ${token}`);
          return next(request);
        },
      ],
    }),
  );

describe("plugin install", () => {
  it(
    "installs a bundle, rolls back a failing upgrade, upgrades, and removes",
    async () => {
      const first = await fx.cli(["plugin", "install", await bundle("1.0.0"), "--approve", "--json"]);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        plugin: {
          id: "p.gamma",
          version: "1.0.0",
          state: "PLUGIN_STATE_ACTIVE",
          managed: true,
          permissions: { api: ["log", "config", "kv", "events"], network: "none" },
        },
        previousVersion: "",
        signed: false,
        signatureTrust: "SIGNATURE_TRUST_UNSIGNED",
        warnings: ['installed unsigned: the gateway\'s signature policy is "warn"'],
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(first.stderr).toContain("GatewayAPI: log, config, kv, events");

      // Upgrades asking for no more than 1.0.0 was granted need no new approval.
      const broken = await fx.cli(["plugin", "install", await bundle("2.0.0", { SCRIPTED_CRASH_ON_START: "1" })]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/p\.gamma 2\.0\.0 failed to activate: .*rolled back to version 1\.0\.0/s);
      expect(fx.gateway.plugin("p.gamma")).toMatchObject({ version: "1.0.0", state: "active" });

      const upgrade = await fx.cli(["plugin", "install", await bundle("2.0.0")]);
      expect(upgrade.code).toBe(0);
      expect(upgrade.stderr).toContain("asks for no more than version 1.0.0 was granted");
      expect(upgrade.stdout).toMatch(
        /✔ upgraded p\.gamma 1\.0\.0 → 2\.0\.0 — active .*unsigned\)\n! installed unsigned: the gateway's signature policy is "warn"/s,
      );

      const info = await fx.cli(["plugin", "info", "p.gamma"]);
      expect(info.stdout).toMatch(/permissions {2}GatewayAPI: log, config, kv, events\n\s+network: none/);
      expect((await fx.cli(["status"])).stdout).toMatch(
        /PERMISSIONS\n(.*\n)*p\.gamma {2}GatewayAPI: log, config, kv, events · network: none(.*\n)*signature policy for installs: warn/,
      );

      const removed = await fx.cli(["plugin", "remove", "p.gamma", "--json"]);
      expect(removed.code).toBe(0);
      expect(JSON.parse(removed.stdout)).toEqual({ version: "2.0.0" });
      expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.gamma");
    },
    SLOW,
  );

  it(
    "refuses an unsigned bundle when a signature is required, installing nothing",
    async () => {
      const result = await fx.cli([
        "plugin",
        "install",
        await bundle("1.0.0"),
        "--require-signature",
        "--approve",
        "--json",
      ]);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({
        error: { code: "permission_denied", message: expect.stringContaining("not signed") },
      });
      expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.gamma");
    },
    SLOW,
  );

  it(
    "installs a bundle signed by a trusted key (its .sig found next to it) when a signature is required",
    async () => {
      const keysDir = trustedKeysDir(fx.dataDir);
      mkdirSync(keysDir, { recursive: true });
      const key = await generateSigningKey(keysDir, "release");
      const signed = await bundle("3.0.0", {}, await readSigningKey(key.privateKeyFile));
      const result = await fx.cli(["plugin", "install", signed, "--require-signature", "--approve", "--json"]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        plugin: { id: "p.gamma", version: "3.0.0" },
        signed: true,
        signatureTrust: "SIGNATURE_TRUST_TRUSTED",
        keyId: key.keyId,
        warnings: [],
      });
      expect((await fx.cli(["plugin", "remove", "p.gamma"])).code).toBe(0);
    },
    SLOW,
  );

  it(
    "refuses what is not a bundle, and a plugin it does not manage",
    async () => {
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
    },
    SLOW,
  );
});

describe("plugin install: permission approval", () => {
  it(
    "without a terminal and without --approve, prints the permissions and refuses, installing nothing",
    async () => {
      const result = await fx.cli(["plugin", "install", await bundle("1.0.0", {}, undefined, undefined, "p.delta")]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        "p.delta 1.0.0 asks for these permissions:\n    GatewayAPI: log, config, kv, events\n    network: none",
      );
      expect(result.stderr).toMatch(
        /not installed: p\.delta's permissions need the operator's approval; there is no terminal to ask on, so review them above and run again with --approve/,
      );
      expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.delta");
    },
    SLOW,
  );

  it(
    "the server refuses a manifest asking for more than was approved, or than the default grant without an approval",
    async () => {
      const client = admin(fx.admin.url, fx.token.token);
      const bytes = readFileSync(await bundle("1.0.0", {}, undefined, undefined, "p.delta"));
      await expect(
        client.installPlugin({ bundle: bytes, approvedPermissions: { api: ["log", "config", "kv"], network: "none" } }),
      ).rejects.toMatchObject({
        rawMessage: expect.stringMatching(
          /plugin p\.delta asks for permissions that were not approved \(approved with this install\): GatewayAPI "events"/,
        ),
      });
      await expect(client.installPlugin({ bundle: bytes })).rejects.toMatchObject({
        rawMessage: expect.stringContaining(
          '(no approval was sent, so only the default grant): GatewayAPI "kv", GatewayAPI "events"',
        ),
      });
      expect(fx.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.delta");
      // The default grant needs no approval from an API client.
      const plain = readFileSync(await bundle("1.0.0", {}, undefined, ["log", "config"], "p.delta"));
      expect((await client.installPlugin({ bundle: plain })).plugin?.permissions).toMatchObject({
        api: ["log", "config"],
      });
    },
    SLOW,
  );

  it(
    "an upgrade asking for more than the installed version was granted needs a new approval",
    async () => {
      const more = await bundle("2.0.0", {}, undefined, ["log", "config", "kv"], "p.delta");
      const refused = await fx.cli(["plugin", "install", more]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('p.delta 2.0.0 asks for more than version 1.0.0 was granted (GatewayAPI "kv")');
      expect(fx.gateway.plugin("p.delta")).toMatchObject({ version: "1.0.0", permissions: { api: ["log", "config"] } });
      const approved = await fx.cli(["plugin", "install", more, "--approve"]);
      expect(approved.code).toBe(0);
      expect(fx.gateway.plugin("p.delta")).toMatchObject({
        version: "2.0.0",
        permissions: { api: ["log", "config", "kv"] },
      });
      expect((await fx.cli(["plugin", "remove", "p.delta"])).code).toBe(0);
    },
    SLOW,
  );
});

describe("plugin install: the server's signature policy", () => {
  it(
    "require (the default) refuses unsigned bundles and untrusted keys whatever the client asks; a .sig for another bundle is refused under any policy",
    async () => {
      const strict = await startAdminFixture();
      try {
        const unsigned = await strict.cli([
          "plugin",
          "install",
          await bundle("1.0.0", {}, undefined, undefined, "p.eps"),
          "--approve",
        ]);
        expect(unsigned.code).toBe(1);
        expect(unsigned.stderr).toContain("bundle is not signed and a signature is required");
        const untrustedKey = await readSigningKey(
          (await generateSigningKey(mkdtempSync(path.join(tmpdir(), "polyplug-keys-")), "stranger")).privateKeyFile,
        );
        const byStranger = await strict.cli([
          "plugin",
          "install",
          await bundle("1.0.0", {}, untrustedKey, undefined, "p.eps"),
          "--approve",
        ]);
        expect(byStranger.code).toBe(1);
        expect(byStranger.stderr).toMatch(
          /bundle is signed by an untrusted key [0-9a-f]{32} and a trusted signature is required/,
        );
        expect((await strict.cli(["status", "--json"])).stdout).toContain('"signaturePolicy":"require"');
        expect(strict.gateway.plugins().map((p) => p.pluginId)).not.toContain("p.eps");

        // Under "warn": a matching signature by an untrusted key installs, reported as such.
        const warned = await fx.cli([
          "plugin",
          "install",
          await bundle("1.0.0", {}, untrustedKey, undefined, "p.eps"),
          "--approve",
        ]);
        expect(warned.code).toBe(0);
        expect(warned.stdout).toMatch(
          /signed by an untrusted key [0-9a-f]{32}\)\n! installed signed by an untrusted key/,
        );
        // The issue's repro: another bundle's .sig, by an untrusted key, next to this bundle.
        const other = await bundle("2.0.0", {}, untrustedKey, undefined, "p.eps");
        const victim = await bundle("2.0.0", { EXTRA: "tampered" }, undefined, undefined, "p.eps");
        writeFileSync(`${victim}.sig`, readFileSync(`${other}.sig`));
        const swapped = await fx.cli(["plugin", "install", victim, "--approve"]);
        expect(swapped.code).toBe(1);
        expect(swapped.stderr).toMatch(/bundle signature does not match the bundle \(untrusted key [0-9a-f]{32}\)/);
        expect(fx.gateway.plugin("p.eps")).toMatchObject({ version: "1.0.0" });
        expect((await fx.cli(["plugin", "remove", "p.eps"])).code).toBe(0);
      } finally {
        await strict.close();
      }
    },
    SLOW,
  );
});
