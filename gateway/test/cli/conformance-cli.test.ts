// `polyplug conformance` as a user runs it: a real CLI process against a real plugin.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";

const run = promisify(execFile);

async function conformance(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [fixturePaths.bin, "conformance", ...args], {
      cwd: fixturePaths.repo,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("polyplug conformance", () => {
  it.each([
    [["--cookie", "no-equals-sign"], "--cookie must be KEY=VALUE"],
    [["--protocol-versions", "1,x"], "--protocol-versions must be a comma-separated list of integers"],
    [["--start-timeout", "0"], "--start-timeout must be a positive number of seconds"],
  ])("refuses %j with exit 2 and says what is wrong", async (options, message) => {
    const { code, stderr } = await conformance([...options, "--", fixturePaths.goHostFixture]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("runs protocol cases with --automtls and a longer --start-timeout, and says why the Polyplug-specific ones are skipped in go-plugin mode", async () => {
    const ok = await conformance([
      "--automtls",
      "--start-timeout",
      "30",
      "--cases",
      "services/health",
      "--",
      fixturePaths.goHostFixture,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("OK: every required case passed");
    const skipped = await conformance([
      "--cookie",
      "OTHER_PLUGIN=x",
      "--cases",
      "lifecycle/describe",
      "--",
      fixturePaths.goHostFixture,
    ]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/lifecycle\/describe: Polyplug-specific, not a go-plugin rule/);
  }, 60_000);
});
