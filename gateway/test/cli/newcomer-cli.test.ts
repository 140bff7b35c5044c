// What a newcomer tripped over in the CLI (issue 18): --version, the public port given as
// --url, `config get` of unset settings, `config set` usage and bad values, RESTARTS after a
// manual restart, and a plugin that dies before its handshake (a Python ModuleNotFoundError).
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminFixture, type AdminFixture } from "../admin/admin-harness.js";
import { fixturePaths } from "../paths.js";

const run = promisify(execFile);
const BROKEN_PYTHON = "p.python-missing-module";

/** A Python plugin whose first line imports a module that does not exist. */
function brokenPythonFolder(root: string): void {
  const dir = path.join(root, BROKEN_PYTHON);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "plugin.py"), "import polyplug_no_such_module_here\n");
  writeFileSync(
    path.join(dir, "plugin.json"),
    JSON.stringify({ id: BROKEN_PYTHON, name: "Broken", version: "1.0.0", command: ["/usr/bin/python3", "plugin.py"] }),
  );
}

let fx: AdminFixture;
beforeAll(async () => {
  fx = await startAdminFixture({
    alphaSettings: [
      { key: "count", type: "number", integer: true, min: 0, default: 5 },
      { key: "words", type: "list" },
      { key: "domains", type: "list", default: ["a.example"] },
    ],
    addFolders: brokenPythonFolder,
  });
});
afterAll(async () => {
  await fx?.close();
});

describe("polyplug --version", () => {
  it("prints the package version", async () => {
    const { stdout } = await run(process.execPath, [fixturePaths.bin, "--version"]);
    const { version } = JSON.parse(readFileSync(path.join(fixturePaths.gateway, "package.json"), "utf8")) as {
      version: string;
    };
    expect(stdout.trim()).toBe(version);
  });
});

describe("the public port given as --url", () => {
  it("says it is the public port, not an admin port, and which --url to use (exit 3)", async () => {
    const result = await fx.cli(["status", "--url", fx.gateway.url]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `${fx.gateway.url} is the gateway's public port, not an admin port; use --url http://127.0.0.1:8081`,
    );
    expect(result.stderr).not.toContain("no route");
  });
});

describe("config get and set", () => {
  it("prints (not set) and the default instead of undefined", async () => {
    const { code, stdout } = await fx.cli(["plugin", "config", "get", "p.alpha"]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("undefined");
    expect(stdout).toMatch(/words = \(not set; no default\)\s+\(list\)/);
    expect(stdout).toMatch(/count = 5\s+\(number\)/);
  });

  it("answers a usage message when given nothing to set (exit 2)", async () => {
    const result = await fx.cli(["plugin", "config", "set", "p.alpha"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("nothing to set. Usage:");
    expect(result.stderr).toContain("polyplug plugin config set ID KEY=VALUE...");
  });

  it("names a JSON parse error and its position for a malformed list (exit 2), changing nothing", async () => {
    const result = await fx.cli(["plugin", "config", "set", "p.alpha", 'words=["a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/words: not valid JSON \(.*position \d+.*\)/);
    expect(fx.gateway.getConfig("p.alpha").words).toBeUndefined();
  });

  it("refuses 2.5 for an integer setting and an empty value for a list; KEY=[] sets an empty list", async () => {
    const fraction = await fx.cli(["plugin", "config", "set", "p.alpha", "count=2.5"]);
    expect(fraction.code).toBe(1);
    expect(fraction.stderr).toContain('setting "count" must be a whole number, got 2.5');
    const empty = await fx.cli(["plugin", "config", "set", "p.alpha", "domains="]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("domains= gives no value for a list setting; for an empty list write domains=[]");
    expect(fx.gateway.getConfig("p.alpha")).toMatchObject({ count: 5, domains: ["a.example"] });
    const cleared = await fx.cli(["plugin", "config", "set", "p.alpha", "domains=[]", "--json"]);
    expect(cleared.code).toBe(0);
    expect(fx.gateway.getConfig("p.alpha")).toMatchObject({ domains: [] });
  });
});

describe("status", () => {
  it("counts a manual restart in RESTARTS", async () => {
    const before = fx.gateway.plugins().find((p) => p.pluginId === "p.beta")?.restarts ?? -1;
    expect((await fx.cli(["plugin", "restart", "p.beta"])).code).toBe(0);
    const { plugins } = JSON.parse((await fx.cli(["plugin", "list", "--json"])).stdout) as {
      plugins: Array<{ id: string; restarts: number }>;
    };
    expect(plugins.find((p) => p.id === "p.beta")?.restarts).toBe(before + 1);
  });

  it("shows why a plugin died before its handshake: the Python error line, with its time", async () => {
    await expect
      .poll(() => fx.gateway.plugins().find((p) => p.pluginId === BROKEN_PYTHON)?.lastError?.message ?? "", {
        timeout: 30_000,
      })
      .toContain("ModuleNotFoundError");
    const error = fx.gateway.plugins().find((p) => p.pluginId === BROKEN_PYTHON)?.lastError?.message ?? "";
    expect(error).toMatch(
      /plugin exited before completing the handshake \(exit code 1\)[^\n]*\. Its last output lines:\n {2}Traceback/,
    );
    const { stdout } = await fx.cli(["status"]);
    const row = stdout.split("\n").find((line) => line.startsWith(BROKEN_PYTHON)) ?? "";
    expect(row).toMatch(
      /plugin exited before completing the handshake \(exit code 1\)[^:]*: ModuleNotFoundError: No module named 'polyplug_no_such_module_here' \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)/,
    );
    // And the whole message below the table.
    expect(stdout).toContain(`${BROKEN_PYTHON}: plugin exited before completing the handshake`);
  });
});
