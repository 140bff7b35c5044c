// `polyplug probe` as a user runs it: a real CLI process against real plugins.
import { describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../fixtures/cli-process.js";
import { fixturePaths } from "../paths.js";

const probe = (args: string[]): Promise<CliRun> => runCli(["probe", ...args]);

describe("polyplug probe", () => {
  it.each([[[]], [["--automtls"]]])(
    "prints exactly one JSON object for a healthy go-plugin plugin (%j)",
    async (extra) => {
      const { code, stdout } = await probe(["--json", ...extra, "--", fixturePaths.goHostFixture]);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as Record<string, unknown>;
      expect(report).toMatchObject({
        ok: true,
        coreProtocolVersion: 1,
        appProtocolVersion: 1,
        network: "unix",
        protocol: "grpc",
        mtls: extra.length > 0,
        health: "SERVING",
        shutdown: "graceful",
      });
      expect(report.startupMs).toEqual(expect.any(Number));
      expect(report.address).toEqual(expect.stringMatching(/^\/.*plugin\d+$/));
      expect(report.stderr).toEqual(expect.any(Array));
    },
  );

  it("reports the plugin's own words when the cookie is wrong, with a non-zero exit", async () => {
    const { code, stdout } = await probe([
      "--json",
      "--cookie",
      "POLYPLUG_PLUGIN=nope",
      "--",
      fixturePaths.goHostFixture,
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe("plugin_exited");
    expect(report.error.message).toContain("This binary is a plugin");
  });

  it("negotiates with --protocol-versions and explains a mismatch", async () => {
    const { code, stdout } = await probe(["--json", "--protocol-versions", "4,5", "--", fixturePaths.goHostFixture]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { code: "incompatible_version", message: expect.stringMatching(/offered \[4, 5\]/) },
    });
  });

  it("prints a human report without --json", async () => {
    const { code, stdout } = await probe(["--", fixturePaths.goHostFixture]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/plugin is healthy \(SERVING/);
    expect(stdout).toMatch(/shutdown\s+graceful/);
  });

  it("rejects bad options with a usage error and says why", async () => {
    const { code, stdout } = await probe(["--json", "--cookie", "novalue", "--", fixturePaths.goHostFixture]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { code: "invalid_argument", message: expect.stringMatching(/KEY=VALUE/) },
    });
    const level = await probe(["--json", "--log-level", "loud", "--", fixturePaths.goHostFixture]);
    expect(JSON.parse(level.stdout)).toMatchObject({
      ok: false,
      error: { code: "invalid_argument", message: expect.stringContaining("--log-level must be one of trace, debug") },
    });
    const missing = await probe([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument/);
  });
});
