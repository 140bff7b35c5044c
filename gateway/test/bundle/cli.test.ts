// `polyplug keys`, `polyplug bundle` and `polyplug bundle verify` through the CLI entry point:
// JSON output, exit codes 0 (ok) / 1 (operation failed) / 2 (usage).
import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { checkPinnedRequirements } from "../../src/registry/python-requirements.js";
import { fixturePaths } from "../paths.js";
import { scriptedPluginFolder, tempDir } from "./bundle-fixtures.js";

async function cli(
  ...args: string[]
): Promise<{ code: number; out: string; err: string; json: Record<string, unknown> | undefined }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    color: false,
    logDestination: new PassThrough(),
  };
  const code = await main(["node", "polyplug", ...args], io);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(out) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { code, out, err, json };
}

describe("polyplug keys / bundle / bundle verify", () => {
  it("generates keys, packs a signed bundle and verifies it; a tampered bundle fails", {
    timeout: 60_000,
  }, async () => {
    const work = tempDir();
    const trusted = path.join(work, "trusted");
    const keys = await cli("keys", "generate", "release", "--dir", trusted, "--json");
    expect(keys).toMatchObject({ code: 0, json: { ok: true, keyId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(statSync(path.join(trusted, "release.key")).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(trusted, "release.pub.pem"))).toBe(true);
    expect((await cli("keys", "generate", "release", "--dir", trusted)).code).toBe(1);
    expect((await cli("keys", "id", path.join(trusted, "release.pub.pem"))).out.trim()).toBe(keys.json?.keyId);

    const source = scriptedPluginFolder("com.example.cli", "1.2.3");
    const file = path.join(work, "out.tar.gz");
    const packed = await cli("bundle", source, "--out", file, "--sign", path.join(trusted, "release.key"), "--json");
    expect(packed).toMatchObject({
      code: 0,
      json: {
        ok: true,
        file,
        id: "com.example.cli",
        version: "1.2.3",
        signature: { file: `${file}.sig`, keyId: keys.json?.keyId },
      },
    });

    // The private key sits in the trusted folder too; only *.pem files are loaded as keys.
    const verified = await cli("bundle", "verify", file, "--trusted-keys", trusted, "--require-signature", "--json");
    expect(verified).toMatchObject({
      code: 0,
      json: { ok: true, id: "com.example.cli", signature: { signed: true, keyId: keys.json?.keyId } },
    });
    const human = await cli("bundle", "verify", file, "--trusted-keys", trusted);
    expect(human.out).toMatch(/✔ bundle is valid[\s\S]*signed by trusted key/);

    const unsigned = path.join(work, "unsigned.tar.gz");
    expect((await cli("bundle", source, "--out", unsigned)).code).toBe(0);
    const refused = await cli("bundle", "verify", unsigned, "--trusted-keys", trusted, "--require-signature", "--json");
    expect(refused).toMatchObject({ code: 1, json: { ok: false, error: { code: "permission_denied" } } });

    appendFileSync(file, Buffer.from([0]));
    const tampered = await cli("bundle", "verify", file, "--trusted-keys", trusted);
    expect(tampered.code).toBe(1);
    expect(tampered.err).toMatch(
      /✖ bundle verification failed \[permission_denied\]\nbundle signature does not match the bundle/,
    );
  });

  it("refuses to pack a folder with an invalid manifest (exit 1) and reports usage errors (exit 2)", async () => {
    const bad = tempDir();
    appendFileSync(path.join(bad, "plugin.json"), '{"id": "x"}');
    expect(await cli("bundle", bad, "--json")).toMatchObject({
      code: 1,
      json: { ok: false, error: { code: "invalid_argument" } },
    });
    expect((await cli("bundle")).code).toBe(2);
    expect((await cli("new", "cobol", "x")).code).toBe(2);
    expect((await cli("keys", "generate")).code).toBe(2);
  });

  it("polyplug new writes a plugin folder and refuses a non-empty one", async () => {
    const dir = path.join(tempDir(), "hello");
    const created = await cli("new", "python", "hello", "--dir", dir, "--id", "org.example.hello", "--json");
    expect(created).toMatchObject({
      code: 0,
      json: {
        ok: true,
        dir,
        id: "org.example.hello",
        files: expect.arrayContaining(["plugin.json", "plugin.py", "README.md"]),
      },
    });
    expect(await cli("new", "python", "hello", "--dir", dir, "--json")).toMatchObject({
      code: 1,
      json: { error: { code: "failed_precondition" } },
    });
  });

  it.each(["go", "python", "ts"])(
    "polyplug new %s pins a vendored SDK and prints next steps that work outside the repository",
    async (language) => {
      const dir = path.join(tempDir(), `next-${language}`);
      const created = await cli("new", language, `next-${language}`, "--dir", dir);
      expect(created.code).toBe(0);
      const next = created.out.split("\n").find((line) => line.includes("next:")) ?? "";
      expect(next).not.toMatch(/npx polyplug/);
      expect(next).toContain(`${path.join(fixturePaths.gateway, "bin", "polyplug.js")} probe --`);
      const readme = readFileSync(path.join(dir, "README.md"), "utf8");
      expect(readme).not.toMatch(/npx polyplug/);
      if (language === "python") {
        const requirements = readFileSync(path.join(dir, "requirements.txt"), "utf8");
        expect(requirements).toMatch(/^\.\/vendor\/polyplug_sdk-[^/\s]+\.whl$/m);
        expect(requirements).not.toMatch(/^polyplug\s*$/m);
        expect(() => checkPinnedRequirements(requirements, "requirements.txt")).not.toThrow();
      }
      if (language === "ts")
        expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).dependencies).toEqual({
          "@polyplug/sdk": expect.stringMatching(/^file:vendor\/polyplug-sdk-.+\.tgz$/),
        });
      if (language === "go") {
        const goMod = readFileSync(path.join(dir, "go.mod"), "utf8");
        expect(goMod).toMatch(/^replace \S+ => \.\/third_party\/polyplug-sdk-go$/m);
        expect(Object.keys(JSON.parse(readFileSync(path.join(dir, "plugin.json"), "utf8")).executables)).toEqual(
          expect.arrayContaining(["linux-amd64", "linux-arm64", "darwin-arm64"]),
        );
      }
    },
  );
});
