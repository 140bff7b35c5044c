// `polyplug bundle` honours .gitignore and .polyplugignore and leaves local environments out:
// the scaffold README's own steps (a .venv, node_modules/.bin) used to make it refuse the
// folder with "symlink points outside the plugin folder".
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.js";
import { packBundle, readBundle } from "../../src/registry/bundle.js";
import { scriptedPluginFolder, tempDir } from "./bundle-fixtures.js";

/** The paths inside the bundle's top folder, after `readBundle` accepted it. */
async function entriesOf(dir: string): Promise<string[]> {
  const packed = await packBundle(dir, path.join(tempDir(), "p.tar.gz"));
  await (await readBundle(packed.file)).cleanup();
  const listing = execFileSync("tar", ["tzf", packed.file], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((entry) =>
      entry
        .split("/")
        .slice(1)
        .filter((part) => part !== "")
        .join("/"),
    )
    .filter((entry) => entry !== "")
    .sort();
}

function write(dir: string, relative: string, text = "x\n"): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), text);
}

describe("bundle ignore rules", () => {
  it("leaves out .venv (links outside the folder), node_modules, __pycache__ and what .gitignore names; .polyplugignore re-includes and excludes", async () => {
    const dir = scriptedPluginFolder("com.example.ignores", "1.0.0");
    mkdirSync(path.join(dir, ".venv", "bin"), { recursive: true });
    symlinkSync("/usr/bin/env", path.join(dir, ".venv", "bin", "python"));
    mkdirSync(path.join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync("/usr/bin/env", path.join(dir, "node_modules", ".bin", "tool"));
    write(dir, "__pycache__/plugin.cpython-311.pyc");
    write(dir, "dist/plugin.js");
    write(dir, "notes/secret.txt");
    write(dir, "src/plugin.ts");
    write(dir, "keep.log");
    write(dir, "debug.log");
    write(dir, ".gitignore", "dist/\nnotes/\n*.log\n");
    write(dir, ".polyplugignore", "!dist/\nsrc/\n!keep.log\n");
    const entries = await entriesOf(dir);
    expect(entries).toEqual(
      expect.arrayContaining([
        "bin/scripted",
        "dist/plugin.js",
        "keep.log",
        "plugin.json",
        ".gitignore",
        ".polyplugignore",
      ]),
    );
    for (const left of [".venv", "node_modules", "__pycache__", "notes", "src", "debug.log"])
      expect(
        entries.some((entry) => entry === left || entry.startsWith(`${left}/`)),
        left,
      ).toBe(false);
  });

  it("still refuses a kept symlink that points outside, and says how to leave it out", async () => {
    const dir = scriptedPluginFolder("com.example.escape", "1.0.0");
    symlinkSync("/etc/hostname", path.join(dir, "host"));
    await expect(packBundle(dir, path.join(tempDir(), "p.tar.gz"))).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringMatching(/points outside the plugin folder.*\.polyplugignore/),
    });
  });

  it("names the executable when an ignore rule leaves it out", async () => {
    const dir = scriptedPluginFolder("com.example.ignored-bin", "1.0.0");
    write(dir, ".gitignore", "bin/\n");
    await expect(packBundle(dir, path.join(tempDir(), "p.tar.gz"))).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringMatching(/executables\.[a-z0-9]+-[a-z0-9]+: "bin\/scripted" is not a file in the bundle/),
    });
  });
});
