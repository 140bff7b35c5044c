// `npm start` / `npm test` setup (.ci/setup.mjs, .ci/lib.mjs): long steps print a heartbeat,
// and the TypeScript build is skipped when nothing is newer than its stamp (issue 18: the
// first run said nothing for minutes, later runs rebuilt everything).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";

const lib = pathToFileURL(path.join(fixturePaths.repo, ".ci", "lib.mjs")).href;
const setupModule = pathToFileURL(path.join(fixturePaths.repo, ".ci", "setup.mjs")).href;

describe("setup steps", () => {
  it("prints a heartbeat with the elapsed time while a quiet command runs, and the step's duration", async () => {
    const script = `import { must, step } from ${JSON.stringify(lib)};\nconst done = step("quiet thing");\nawait must(process.execPath, ["-e", "setTimeout(() => {}, 2600)"]);\ndone();\n`;
    const { stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, POLYPLUG_HEARTBEAT_SECONDS: "1" },
      timeout: 30_000,
    });
    expect(stderr).toContain("▶ quiet thing");
    expect(stderr).toMatch(/… still running: node -e setTimeout\(\(\) => \{\}, 2600\) \(\d+ s\)/);
    expect(stderr).toMatch(/✔ quiet thing \(\d+ s\)/);
  });

  it("skips a TypeScript build whose stamp is newer than every source and tsconfig, rebuilds after an edit", async () => {
    const { filesUnder, upToDate } = (await import(setupModule)) as {
      filesUnder: (dir: string, keep: (name: string) => boolean) => string[];
      upToDate: (stamp: string, inputs: string[]) => boolean;
    };
    const dir = mkdtempSync(path.join(tmpdir(), "setup-stamp-"));
    mkdirSync(path.join(dir, "src", "nested"), { recursive: true });
    mkdirSync(path.join(dir, "dist"));
    for (const file of ["src/a.ts", "src/nested/b.ts", "tsconfig.json", "dist/.polyplug-build-stamp"])
      writeFileSync(path.join(dir, file), "x");
    const at = (file: string, seconds: number) => utimesSync(path.join(dir, file), seconds, seconds);
    const inputs = () => [
      ...filesUnder(path.join(dir, "src"), (name) => name.endsWith(".ts")),
      path.join(dir, "tsconfig.json"),
    ];
    expect(inputs()).toHaveLength(3);
    for (const file of ["src/a.ts", "src/nested/b.ts", "tsconfig.json"]) at(file, 1_000);
    at("dist/.polyplug-build-stamp", 2_000);
    const stamp = path.join(dir, "dist", ".polyplug-build-stamp");
    expect(upToDate(stamp, inputs())).toBe(true);
    at("src/nested/b.ts", 3_000);
    expect(upToDate(stamp, inputs())).toBe(false);
    expect(upToDate(path.join(dir, "dist", "missing"), inputs())).toBe(false);
  });
});
