// Malicious and broken bundles: each is refused with the right code and a message naming the
// entry and the rule, nothing is written outside readBundle's own temp folder (which is gone
// afterwards), and a plugin installed earlier keeps running untouched.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.js";
import { readBundle, type ReadBundleOptions } from "../../src/registry/bundle.js";
import { tarGzBytes, type TarEntrySpec } from "../../src/registry/bundle-tar-writer.js";
import { createHash } from "node:crypto";
import { describeSignature, signBundleDigest } from "../../src/registry/signature.js";
import { parseTrustedKey } from "../../src/registry/signature-keys.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { managedPluginsDir } from "../../src/runtime/plugin-install.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "../runtime/scripted-plugins.js";
import { manifestText, tempDir } from "./bundle-fixtures.js";

const text = (value: string) => new TextEncoder().encode(value);
const script = text("#!/bin/sh\nexit 0\n");
const MiB = 1024 * 1024;

/** A valid bundle's entries for plugin `id`, plus extra entries. */
function entries(id: string, extra: TarEntrySpec[] = [], manifest = manifestText(id)): TarEntrySpec[] {
  return [
    { path: id, type: "Directory" },
    { path: `${id}/plugin.json`, type: "File", data: text(manifest) },
    { path: `${id}/run.sh`, type: "File", mode: 0o755, data: script },
    ...extra,
  ];
}

const trusted = generateKeyPairSync("ed25519");
const untrusted = generateKeyPairSync("ed25519");
const trustedKeys = [
  parseTrustedKey(trusted.publicKey.export({ type: "spki", format: "pem" }).toString(), "trusted.pub.pem"),
];
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Case {
  readonly name: string;
  readonly bundle: () => Promise<Uint8Array>;
  readonly options?: (bytes: Uint8Array) => ReadBundleOptions;
  readonly code: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  {
    name: "path traversal",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/../x", type: "File", data: script }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/\.\.\/x": `\.\.` segments are not allowed/,
  },
  {
    name: "leading ../",
    bundle: () => tarGzBytes([{ path: "../x", type: "File", data: script }]),
    code: ErrorCode.InvalidArgument,
    message: /"\.\.\/x": `\.\.` segments/,
  },
  {
    name: "absolute path",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "/etc/x", type: "File", data: script }])),
    code: ErrorCode.InvalidArgument,
    message: /"\/etc\/x": absolute paths are not allowed/,
  },
  {
    name: "symlink escaping with ..",
    bundle: () =>
      tarGzBytes(entries("p.evil", [{ path: "p.evil/l", type: "SymbolicLink", linkpath: "../../etc/passwd" }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/l": symlinks may not point outside the plugin folder p\.evil\//u,
  },
  {
    name: "symlink to an absolute path",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/l", type: "SymbolicLink", linkpath: "/etc/passwd" }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/l": symlinks may not point to absolute paths/,
  },
  {
    name: "symlink to the top folder's sibling",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/l", type: "SymbolicLink", linkpath: "../p.other/x" }])),
    code: ErrorCode.InvalidArgument,
    message: /outside the plugin folder/,
  },
  {
    name: "write through a symlink",
    bundle: () =>
      tarGzBytes(
        entries("p.evil", [
          { path: "p.evil/sub", type: "Directory" },
          { path: "p.evil/d", type: "SymbolicLink", linkpath: "sub" },
          { path: "p.evil/d/x", type: "File", data: script },
        ]),
      ),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/d\/x": it lies below the symlink p\.evil\/d/,
  },
  {
    name: "chained symlinks escaping on disk",
    bundle: () =>
      tarGzBytes(
        entries("p.evil", [
          { path: "p.evil/a/b", type: "Directory" },
          { path: "p.evil/a/b/up", type: "SymbolicLink", linkpath: "../.." },
          { path: "p.evil/a/b/l", type: "SymbolicLink", linkpath: "up/../../.." },
        ]),
      ),
    code: ErrorCode.InvalidArgument,
    message:
      /"p\.evil\/a\/b\/l": symlinks may not point outside the plugin folder p\.evil\/ \(through other links it resolves to /,
  },
  {
    name: "hard link",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/h", type: "Link", linkpath: "p.evil/plugin.json" }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/h": hard links are not allowed/,
  },
  {
    name: "character device",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/dev", type: "CharacterDevice" }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/dev": entries of type CharacterDevice are not allowed/,
  },
  {
    name: "fifo",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/fifo", type: "FIFO" }])),
    code: ErrorCode.InvalidArgument,
    message: /entries of type FIFO are not allowed/,
  },
  {
    name: "two top-level folders",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "other/x", type: "File", data: script }])),
    code: ErrorCode.InvalidArgument,
    message: /"other\/x": every entry must be inside the single top-level folder "p\.evil"/,
  },
  {
    name: "a file beside the top folder",
    bundle: () => tarGzBytes([{ path: "plugin.json", type: "File", data: text(manifestText("p.evil")) }]),
    code: ErrorCode.InvalidArgument,
    message: /files may not sit beside it/,
  },
  {
    name: "the same path twice",
    bundle: () => tarGzBytes(entries("p.evil", [{ path: "p.evil/run.sh", type: "File", data: script }])),
    code: ErrorCode.InvalidArgument,
    message: /"p\.evil\/run\.sh": the bundle holds this path twice/,
  },
  {
    name: "oversized compressed bundle",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: () => ({ maxBytes: 100 }),
    code: ErrorCode.ResourceExhausted,
    message: /bundle is \d+ bytes, larger than the limit of 100 bytes/,
  },
  {
    name: "zip bomb (a huge file of zeros)",
    bundle: () =>
      tarGzBytes(entries("p.evil", [{ path: "p.evil/zeros", type: "File", data: new Uint8Array(20 * MiB) }])),
    options: () => ({ maxUnpackedBytes: 10 * MiB }),
    code: ErrorCode.ResourceExhausted,
    message: /"p\.evil\/zeros": the bundle unpacks to more than 10 MiB/,
  },
  {
    name: "zip bomb (zeros after the archive end)",
    bundle: async () => {
      const { gzipSync } = await import("node:zlib");
      const { Buffer } = await import("node:buffer");
      const { gunzipSync } = await import("node:zlib");
      return gzipSync(Buffer.concat([gunzipSync(await tarGzBytes(entries("p.evil"))), Buffer.alloc(30 * MiB)]));
    },
    options: () => ({ maxUnpackedBytes: 1 * MiB, maxEntries: 10 }),
    code: ErrorCode.ResourceExhausted,
    message: /bundle unpacks to more than 1\.\d MiB of tar data/,
  },
  {
    name: "too many entries",
    bundle: () =>
      tarGzBytes(
        entries(
          "p.evil",
          Array.from({ length: 20 }, (_, i) => ({ path: `p.evil/f${i}`, type: "File" as const, data: script })),
        ),
      ),
    options: () => ({ maxEntries: 10 }),
    code: ErrorCode.ResourceExhausted,
    message: /bundle has more than 10 entries/,
  },
  {
    name: "not gzip",
    bundle: async () => text("this is not a bundle"),
    code: ErrorCode.InvalidArgument,
    message: /bundle is not a valid \.tar\.gz/,
  },
  {
    name: "gzip inside gzip",
    bundle: async () => (await import("node:zlib")).gzipSync(await tarGzBytes(entries("p.evil"))),
    code: ErrorCode.InvalidArgument,
    message: /compressed twice/,
  },
  {
    name: "no manifest",
    bundle: () => tarGzBytes([{ path: "p.evil/run.sh", type: "File", mode: 0o755, data: script }]),
    code: ErrorCode.InvalidArgument,
    message: /bundle has no manifest: expected p\.evil\/plugin\.json/,
  },
  {
    name: "bad manifest",
    bundle: () => tarGzBytes(entries("p.evil", [], JSON.stringify({ id: "p.evil", version: "one" }))),
    code: ErrorCode.InvalidArgument,
    message: /p\.evil\/plugin\.json: field name: .*\n.*field version: must be a semantic version/,
  },
  {
    name: "manifest id differs from the folder",
    bundle: () => tarGzBytes(entries("p.evil", [], manifestText("p.other"))),
    code: ErrorCode.InvalidArgument,
    message: /plugin id "p\.other" must match the bundle's top-level folder "p\.evil"/,
  },
  {
    name: "missing executable",
    bundle: () =>
      tarGzBytes(
        entries("p.evil", [], manifestText("p.evil", { command: undefined, executables: { "linux-amd64": "bin/p" } })),
      ),
    code: ErrorCode.InvalidArgument,
    message: /field executables\.linux-amd64: "bin\/p" is not a file in the bundle/,
  },
  {
    name: "executable without the exec bit",
    bundle: () =>
      tarGzBytes(
        entries(
          "p.evil",
          [{ path: "p.evil/p", type: "File", mode: 0o644, data: script }],
          manifestText("p.evil", { command: undefined, executables: { "linux-amd64": "p" } }),
        ),
      ),
    code: ErrorCode.InvalidArgument,
    message: /"p" is not executable \(mode 644\)/,
  },
  {
    name: "bad signature (made for other bytes)",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: () => ({ trustedKeys, signature: JSON.stringify(signBundleDigest("0".repeat(64), trusted.privateKey)) }),
    code: ErrorCode.PermissionDenied,
    message: /bundle signature does not match the bundle \(trusted key [0-9a-f]{32} from trusted\.pub\.pem\)/,
  },
  {
    // The repro: this installed and was reported as "unsigned".
    name: "signature made for another bundle by an untrusted key, none required",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: () => ({ trustedKeys, signature: JSON.stringify(signBundleDigest("0".repeat(64), untrusted.privateKey)) }),
    code: ErrorCode.PermissionDenied,
    message: /bundle signature does not match the bundle \(untrusted key [0-9a-f]{32}\)/,
  },
  {
    name: "untrusted signature without its public key (cannot be checked)",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: (bytes) => {
      const { publicKey: _dropped, ...legacy } = signBundleDigest(sha256(bytes), untrusted.privateKey);
      return { trustedKeys, signature: JSON.stringify(legacy) };
    },
    code: ErrorCode.PermissionDenied,
    message: /names the untrusted key [0-9a-f]{32} and carries no public key, so it cannot be checked/,
  },
  {
    name: "signature whose public key is not the key it names",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: (bytes) => ({
      trustedKeys,
      signature: JSON.stringify({ ...signBundleDigest(sha256(bytes), untrusted.privateKey), keyId: "ab".repeat(16) }),
    }),
    code: ErrorCode.PermissionDenied,
    message: /its publicKey has id [0-9a-f]{32}, not the keyId abab/,
  },
  {
    name: "malformed signature",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: () => ({ trustedKeys, signature: "{}" }),
    code: ErrorCode.PermissionDenied,
    message: /bundle signature is malformed: field keyId/,
  },
  {
    name: "unsigned, signature required",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: () => ({ trustedKeys, requireSignature: true }),
    code: ErrorCode.PermissionDenied,
    message: /bundle is not signed and a signature is required/,
  },
  {
    name: "signed by an untrusted key, signature required",
    bundle: () => tarGzBytes(entries("p.evil")),
    options: (bytes) => ({
      trustedKeys,
      requireSignature: true,
      signature: JSON.stringify(signBundleDigest(sha256(bytes), untrusted.privateKey)),
    }),
    code: ErrorCode.PermissionDenied,
    message: /bundle is signed by an untrusted key [0-9a-f]{32} and a trusted signature is required/,
  },
];

let gateway: Gateway;
let data: string;
let managedBefore: string[];
const tempRoot = tempDir("polyplug-bundle-temproot-");

beforeAll(async () => {
  data = dataDir();
  gateway = await createGateway({ pluginsDirs: [], dataDir: data, port: 0, logger: pino({ level: "silent" }) });
  const good = await readBundle(
    await tarGzBytes(
      entries(
        "p.good",
        [],
        manifestText("p.good", {
          command: [fixturePaths.goScripted],
          env: { SCRIPTED_PLUGIN_ID: "p.good" },
          hooks: { intercept: [{ topic: "test.*" }] },
        }),
      ),
    ),
  );
  await gateway.install(good.dir);
  await good.cleanup();
  managedBefore = readdirSync(managedPluginsDir(data));
});
afterAll(async () => {
  await gateway?.stop();
});

describe("readBundle refuses malicious and broken bundles", () => {
  it.each(cases)("$name", async ({ bundle, options, code, message }) => {
    const bytes = await bundle();
    const error = await readBundle(bytes, { ...options?.(bytes), tempRoot }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(readdirSync(tempRoot)).toEqual([]);
    expect(existsSync(path.join(tempRoot, "..", "x"))).toBe(false);
    expect(readdirSync(managedPluginsDir(data))).toEqual(managedBefore);
    expect(gateway.plugin("p.good")).toMatchObject({ state: "active" });
  });

  it("the earlier plugin still answers after all of them", async () => {
    const answer = await gateway.dispatcher.intercept("test.x", { script: { "p.good": "modify" } });
    expect(answer.payload.trail).toEqual(["p.good"]);
  });
});

describe("readBundle accepts what is safe", () => {
  it("symlinks that stay inside the plugin folder", async () => {
    const bundle = await readBundle(
      await tarGzBytes(
        entries("p.ok", [
          { path: "p.ok/bin", type: "Directory" },
          { path: "p.ok/bin/run", type: "SymbolicLink", linkpath: "../run.sh" },
        ]),
      ),
      { tempRoot },
    );
    expect(existsSync(path.join(bundle.dir, "bin", "run"))).toBe(true);
    await bundle.cleanup();
  });

  it("setuid and world-writable modes, normalised to 0755/0644", async () => {
    const bundle = await readBundle(
      await tarGzBytes(
        entries("p.ok", [
          { path: "p.ok/suid", type: "File", mode: 0o4777, data: script },
          { path: "p.ok/open", type: "File", mode: 0o666, data: script },
        ]),
      ),
      { tempRoot },
    );
    expect(statSync(path.join(bundle.dir, "suid")).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(bundle.dir, "open")).mode & 0o7777).toBe(0o644);
    await bundle.cleanup();
  });

  it("a signature by a trusted key", async () => {
    const bytes = await tarGzBytes(entries("p.ok"));
    const signature = signBundleDigest(sha256(bytes), trusted.privateKey);
    const bundle = await readBundle(bytes, {
      trustedKeys,
      requireSignature: true,
      signature: JSON.stringify(signature),
      tempRoot,
    });
    expect(bundle.signature).toEqual({ signed: true, trust: "trusted", keyId: trustedKeys[0]?.keyId });
    await bundle.cleanup();
  });

  it("an untrusted signature that matches, when none is required: reported as untrusted, never as unsigned", async () => {
    const bytes = await tarGzBytes(entries("p.ok"));
    const signature = signBundleDigest(sha256(bytes), untrusted.privateKey);
    const bundle = await readBundle(bytes, { trustedKeys, signature: JSON.stringify(signature), tempRoot });
    expect(bundle.signature).toEqual({ signed: false, trust: "untrusted", keyId: signature.keyId });
    expect(describeSignature(bundle.signature)).toBe(`signed by an untrusted key ${signature.keyId}`);
    await bundle.cleanup();
  });
});
