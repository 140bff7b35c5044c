// The static checks fail on what issue #14 says they must: an import cycle (type-only too), an
// import against the layering, the SDK importing the gateway, a process in a unit test, a lint
// finding (warnings included), dead code. Each case runs the real tool with the repository's
// config on a small tree in a temp dir laid out like the repository.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";

const exec = promisify(execFile);
const bin = (tool: string) => path.join(fixturePaths.repo, "node_modules", ".bin", tool);
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (repository-relative paths) into a fresh temp dir and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "polyplug-static-"));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

async function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

const depcruise = (cwd: string, ...paths: string[]) =>
  run(
    bin("depcruise"),
    ["--config", path.join(fixturePaths.repo, ".dependency-cruiser.cjs"), "--output-type", "err", ...paths],
    cwd,
  );

// Each case starts the tool (seconds on a loaded 2-core machine): generous timeouts.
describe("dependency-cruiser (.dependency-cruiser.cjs)", { timeout: 120_000 }, () => {
  it("fails on a file cycle made of type-only imports", async () => {
    const dir = await tree({
      "gateway/src/registry/a.ts": 'import type { B } from "./b.js";\nexport type A = { b?: B };\n',
      "gateway/src/registry/b.ts": 'import type { A } from "./a.js";\nexport type B = { a?: A };\n',
    });
    const { code, output } = await depcruise(dir, "gateway/src");
    expect(code).not.toBe(0);
    expect(output).toContain("no-circular");
  });

  it("fails when a lower folder imports a higher one, passes the other way round", async () => {
    const dir = await tree({
      "gateway/src/errors.ts": "export const E = 1;\n",
      "gateway/src/dispatch/d.ts": 'import { E } from "../errors.js";\nexport const D = E;\n',
      "gateway/src/supervision/s.ts": 'import type { D } from "../dispatch/d.js";\nexport type S = typeof D;\n',
    });
    const { code, output } = await depcruise(dir, "gateway/src");
    expect(code).not.toBe(0);
    expect(output).toContain("layer-supervision: gateway/src/supervision/s.ts → gateway/src/dispatch/d.ts");
    expect(output).not.toContain("errors.ts"); // dispatch → errors.ts is downwards: allowed
  });

  it("fails when the SDK imports the gateway, or a folder has no tier", async () => {
    const dir = await tree({
      "gateway/src/errors.ts": "export const E = 1;\n",
      "gateway/sdk/src/x.ts": 'import { E } from "../../src/errors.js";\nexport const X = E;\n',
      "gateway/src/newfolder/n.ts": 'import { E } from "../errors.js";\nexport const N = E;\n',
    });
    const { code, output } = await depcruise(dir, "gateway/src", "gateway/sdk/src");
    expect(code).not.toBe(0);
    expect(output).toContain("sdk-never-imports-the-gateway");
    expect(output).toContain("layer-unplaced-folder");
  });

  it("fails when a unit test beside the code starts processes", async () => {
    const dir = await tree({
      "gateway/src/store/s.test.ts": 'import { spawn } from "node:child_process";\nexport const s = spawn;\n',
    });
    const { code, output } = await depcruise(dir, "gateway/src");
    expect(code).not.toBe(0);
    expect(output).toContain("unit-tests-stay-in-process");
  });
});

describe("biome lint --error-on-warnings (biome.jsonc)", { timeout: 120_000 }, () => {
  const lint = (cwd: string) =>
    run(
      bin("biome"),
      ["lint", "--config-path", path.join(fixturePaths.repo, "biome.jsonc"), "--error-on-warnings", "gateway/src"],
      cwd,
    );

  it("fails on an error-level finding and on a warning-level one", async () => {
    const error = await lint(await tree({ "gateway/src/a.ts": "export const x = 1;\nexport const y = x == 1;\n" }));
    expect(error.code).not.toBe(0);
    expect(error.output).toContain("noDoubleEquals");
    const warning = await lint(await tree({ "gateway/src/a.ts": "let n = 0;\nexport const f = () => (n++, n);\n" }));
    expect(warning.code).not.toBe(0);
    expect(warning.output).toContain("noCommaOperator");
  });

  it("passes clean code", async () => {
    const { code, output } = await lint(
      await tree({ "gateway/src/a.ts": "export const x = 1;\nexport const y = x === 1;\n" }),
    );
    expect(output).not.toContain("lint/");
    expect(code).toBe(0);
  });
});

describe("knip (knip.jsonc)", { timeout: 120_000 }, () => {
  const workspace = {
    "package.json": '{ "name": "ws", "private": true, "type": "module", "workspaces": ["gateway"] }\n',
    "gateway/package.json": '{ "name": "polyplug", "version": "0.0.0", "type": "module" }\n',
  };
  const knip = async (files: Record<string, string>) => {
    const dir = await tree({ ...workspace, ...files });
    await writeFile(path.join(dir, "knip.jsonc"), await readFile(path.join(fixturePaths.repo, "knip.jsonc")));
    return run(bin("knip"), ["--no-progress"], dir);
  };

  it("fails on an unused file and on an export nothing uses", async () => {
    const { code, output } = await knip({
      "gateway/src/index.ts": 'export { used } from "./a.js";\n',
      "gateway/src/a.ts": "export const used = 1;\nexport function dead(): number {\n  return 2;\n}\n",
      "gateway/src/orphan.ts": "export const orphan = 1;\n",
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/Unused files \(1\)\s+gateway\/src\/orphan\.ts/);
    expect(output).toMatch(/Unused exports \(1\)\s+dead/);
  });

  it("keeps an export a test uses and one used in its own file (the stated rule)", async () => {
    const { code, output } = await knip({
      "gateway/src/index.ts": 'export { twice } from "./a.js";\n',
      "gateway/src/a.ts":
        "export const LIMIT = 3;\nexport const twice = LIMIT * 2;\nexport function testOnly(): number {\n  return 2;\n}\n",
      "gateway/test/a.test.ts": 'import { testOnly } from "../src/a.js";\nexport const t = testOnly();\n',
    });
    expect(output).not.toContain("Unused");
    expect(code).toBe(0);
  });
});
