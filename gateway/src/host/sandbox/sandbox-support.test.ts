import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors.js";
import { assertSandboxAvailable, createPluginSandbox } from "./plugin-sandbox.js";
import { DEFAULT_RESOURCE_LIMITS } from "./resource-limits.js";
import { detectSandboxSupport, type SandboxSupport } from "./sandbox-support.js";

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

/** The sandbox of plugin com.example.p under `support`, default limits, no network, nothing mounted or hidden. */
function sandboxFor(support: SandboxSupport, onPrepared: () => void = () => undefined) {
  return createPluginSandbox({
    pluginId: "com.example.p",
    support,
    limits: DEFAULT_RESOURCE_LIMITS,
    network: "none",
    readPaths: [],
    hidePaths: [],
    onPrepared,
  });
}

/** A launch of /bin/true with `args`. */
const launchOf = (args: string[] = []) => ({ command: "/bin/true", args, cwd: "/", socketDir: "/tmp", env: {} });

describe("sandbox modes where no sandbox is available", () => {
  it("required: refuses the plugin, saying why and what to do", async () => {
    expect(() => assertSandboxAvailable(unavailable, "com.example.p")).toThrow(
      /plugin com\.example\.p not started: .*sandbox\.mode: required.*bubblewrap is not installed.*sandbox\.mode: auto/,
    );
    await expect(sandboxFor(unavailable).prepare(launchOf())).rejects.toMatchObject({
      code: ErrorCode.FailedPrecondition,
    });
  });

  it.each(["auto", "off"] as const)("%s: runs the plugin unsandboxed (rlimits only)", async (mode) => {
    const support = { ...unavailable, mode, prlimitPath: "/usr/bin/prlimit" };
    expect(() => assertSandboxAvailable(support, "com.example.p")).not.toThrow();
    const launch = await sandboxFor(support).prepare(launchOf(["x"]));
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

describe("the sandbox probe with the sandbox off", () => {
  it("neither looks for bubblewrap nor reads the system links it would mount; limits are still detected", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "polyplug-probe-"));
    for (const tool of ["bwrap", "setpriv", "prlimit"]) {
      writeFileSync(path.join(dir, tool), "#!/bin/sh\nexit 0\n");
      chmodSync(path.join(dir, tool), 0o755);
    }
    const support = await detectSandboxSupport("off", { searchPath: dir });
    try {
      expect(support).toMatchObject({ mode: "off", isolation: "none", bwrapPath: undefined, systemLinks: {} });
      expect(support.setprivPath).toBe(path.join(dir, "setpriv"));
      expect(support.prlimitPath).toBe(path.join(dir, "prlimit"));
      expect(support.warnings[0]).toMatch(/plugin sandbox is off/);
    } finally {
      await support.cgroup?.release();
    }
  });
});

describe("a prepared launch", () => {
  it("is announced (onPrepared) whether it was prepared or refused: the host core spawns right after", async () => {
    let announced = 0;
    const onPrepared = () => announced++;
    await sandboxFor({ ...unavailable, mode: "off" }, onPrepared).prepare(launchOf());
    expect(announced).toBe(1);
    await expect(sandboxFor(unavailable, onPrepared).prepare(launchOf())).rejects.toMatchObject({
      code: ErrorCode.FailedPrecondition,
    });
    expect(announced).toBe(2);
  });
});
