// `polyplug conformance` as a user runs it: a real CLI process against a real plugin.
import { describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../fixtures/cli-process.js";
import { fixturePaths } from "../paths.js";

const conformance = (args: string[]): Promise<CliRun> => runCli(["conformance", ...args]);

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
