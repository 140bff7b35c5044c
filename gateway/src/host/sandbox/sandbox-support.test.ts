import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors.js";
import { assertSandboxAvailable, createPluginSandbox } from "./plugin-sandbox.js";
import { DEFAULT_RESOURCE_LIMITS } from "./resource-limits.js";
import type { SandboxSupport } from "./sandbox-support.js";

const unavailable: SandboxSupport = {
  mode: "required",
  isolation: "none",
  limits: "rlimit",
  dedicatedUids: false,
  unavailableReason: "bubblewrap is not installed (apt-get install bubblewrap)",
  warnings: [],
  cgroup: undefined,
  bwrapPath: undefined,
  setprivPath: undefined,
  prlimitPath: undefined,
  systemLinks: {},
};

describe("sandbox modes where no sandbox is available", () => {
  it("required: refuses the plugin, saying why and what to do", async () => {
    expect(() => assertSandboxAvailable(unavailable, "com.example.p")).toThrow(
      /plugin com\.example\.p not started: .*sandbox\.mode: required.*bubblewrap is not installed.*sandbox\.mode: auto/,
    );
    const sandbox = createPluginSandbox({
      pluginId: "com.example.p",
      support: unavailable,
      limits: DEFAULT_RESOURCE_LIMITS,
      network: "none",
      readPaths: [],
      hidePaths: [],
    });
    await expect(
      sandbox.prepare({ command: "/bin/true", args: [], cwd: "/", socketDir: "/tmp", env: {} }),
    ).rejects.toMatchObject({ code: ErrorCode.FailedPrecondition });
  });

  it.each(["auto", "off"] as const)("%s: runs the plugin unsandboxed (rlimits only)", async (mode) => {
    const support = { ...unavailable, mode, prlimitPath: "/usr/bin/prlimit" };
    expect(() => assertSandboxAvailable(support, "com.example.p")).not.toThrow();
    const launch = await createPluginSandbox({
      pluginId: "com.example.p",
      support,
      limits: DEFAULT_RESOURCE_LIMITS,
      network: "none",
      readPaths: [],
      hidePaths: [],
    }).prepare({ command: "/bin/true", args: ["x"], cwd: "/", socketDir: "/tmp", env: {} });
    expect([launch.command, ...launch.args]).toEqual([
      "/usr/bin/prlimit",
      "--nofile=1024:1024",
      `--data=${512 * 1024 * 1024}:${512 * 1024 * 1024}`,
      "--",
      "/bin/true",
      "x",
    ]);
    expect(launch.confinement.description).toContain("unsandboxed");
  });
});
