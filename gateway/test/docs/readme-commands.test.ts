// Every shell command of the SDK READMEs runs: the ```sh blocks of each README, in order, as
// one `bash -eu` script in an empty temp folder outside the repository, with `polyplug` on
// PATH meaning this checkout's CLI (what `polyplug new` prints as its absolute path). Their
// manifests must pass the validator. Slow (pip, npm, go builds): the "authors" suite of
// .ci/test-all.mjs runs it, not the default vitest run.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../src/registry/manifest.js";
import { tempDir } from "../bundle/bundle-fixtures.js";
import { fixturePaths } from "../paths.js";

const exec = promisify(execFile);

/** The READMEs whose shell blocks are run, relative to the repository. */
const READMES = ["examples-python/README.md", "examples-go/README.md", "gateway/sdk/README.md"];

/** The fenced blocks of `lang` in `markdown`, in order (indented fences included). */
function fencedBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp(`^([ \\t]*)\`\`\`${lang}\\n([\\s\\S]*?)^\\1\`\`\`$`, "gm");
  for (const match of markdown.matchAll(fence)) {
    const indent = match[1] ?? "";
    blocks.push(
      (match[2] ?? "")
        .split("\n")
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join("\n"),
    );
  }
  return blocks;
}

const root = tempDir("polyplug-readme-");
const shims = path.join(root, "bin");
mkdirSync(shims);
writeFileSync(path.join(shims, "polyplug"), `#!/bin/sh\nexec "${process.execPath}" "${fixturePaths.bin}" "$@"\n`);
chmodSync(path.join(shims, "polyplug"), 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(READMES)("%s", (readme) => {
  const markdown = readFileSync(path.join(fixturePaths.repo, readme), "utf8");

  it("shows manifests the validator accepts", () => {
    for (const json of fencedBlocks(markdown, "json")) {
      const parsed = JSON.parse(json) as Record<string, unknown>;
      if ("id" in parsed) expect(() => parseManifest(json, `${readme} plugin.json`)).not.toThrow();
    }
  });

  it("every sh block runs, in order, in an empty folder outside the repository", { timeout: 900_000 }, async () => {
    const blocks = fencedBlocks(markdown, "sh");
    expect(blocks.length).toBeGreaterThan(0);
    const cwd = path.join(root, readme.split("/")[0] ?? "x");
    mkdirSync(cwd);
    const started = performance.now();
    try {
      await exec("bash", ["-eu", "-o", "pipefail", "-c", blocks.join("\n")], {
        cwd,
        env: { ...process.env, PATH: `${shims}:${process.env.PATH ?? ""}`, npm_config_update_notifier: "false" },
        maxBuffer: 32 * 1024 * 1024,
      });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${readme}: ${failure.message}\n${failure.stdout ?? ""}\n${failure.stderr ?? ""}`);
    } finally {
      process.stderr.write(`${readme}: sh blocks took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
  });
});
