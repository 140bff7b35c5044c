import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../errors.js";
import { checkGatewayVersion, currentPlatformKey, parseManifest, resolveLaunchCommand } from "./manifest.js";
import { scanPluginsDirs } from "./plugins-dir.js";

const valid = {
  id: "com.example.filter",
  name: "Filter",
  version: "1.2.3",
  command: ["python", "plugin.py"],
  hooks: { intercept: [{ topic: "message.will_be_posted" }], notify: [{ topic: "user.*" }] },
  settings: [{ key: "words", type: "list", default: ["a"] }],
};

function errorOf(manifest: unknown, file = "/plugins/x/plugin.json"): PolyplugError {
  try {
    parseManifest(JSON.stringify(manifest), file);
  } catch (error) {
    expect(error).toBeInstanceOf(PolyplugError);
    return error as PolyplugError;
  }
  throw new Error("expected the manifest to be rejected");
}

describe("parseManifest", () => {
  it("accepts a valid manifest and fills in defaults", () => {
    const manifest = parseManifest(JSON.stringify(valid), "plugin.json");
    expect(manifest.hooks.intercept[0]).toEqual({
      topic: "message.will_be_posted",
      priority: 100,
      timeoutMs: 5000,
      onFailure: "open",
    });
    expect(manifest.hooks.notify[0]).toEqual({ topic: "user.*", timeoutMs: 30_000 });
    expect(manifest.settings[0]?.required).toBe(false);
  });

  it("reads YAML too", () => {
    const manifest = parseManifest(
      "id: com.example.y\nname: Y\nversion: 0.1.0\ncommand: [node, plugin.mjs]\n",
      "plugin.yaml",
    );
    expect(manifest.id).toBe("com.example.y");
  });

  it.each([
    ["bad id", { ...valid, id: "a b" }, /field id: 3–190 characters/],
    ["bad version", { ...valid, version: "one" }, /field version: must be a semantic version/],
    ["no way to run", { ...valid, command: undefined }, /exactly one of `executables`/],
    ["both ways to run", { ...valid, executables: { "linux-amd64": "bin/x" } }, /exactly one of `executables`/],
    [
      "escaping executable",
      { ...valid, command: undefined, executables: { "linux-amd64": "../../bin/sh" } },
      /field executables.linux-amd64: must be a path inside/,
    ],
    ["bad topic", { ...valid, hooks: { intercept: [{ topic: "Message Posted" }] } }, /field hooks.intercept.0.topic/],
    [
      "bad failure mode",
      { ...valid, hooks: { intercept: [{ topic: "a.b", onFailure: "maybe" }] } },
      /field hooks.intercept.0.onFailure/,
    ],
    ["unknown field", { ...valid, colour: "red" }, /colour/],
    ["bad setting type", { ...valid, settings: [{ key: "a", type: "color" }] }, /field settings.0.type/],
    [
      "select without options",
      { ...valid, settings: [{ key: "a", type: "select" }] },
      /field settings.0.options: a select setting needs/,
    ],
    [
      "default of the wrong type",
      { ...valid, settings: [{ key: "a", type: "number", default: "x" }] },
      /field settings.0.default: default must be a number/,
    ],
    [
      "duplicate setting",
      {
        ...valid,
        settings: [
          { key: "a", type: "bool" },
          { key: "a", type: "text" },
        ],
      },
      /duplicate setting key "a"/,
    ],
  ])("rejects %s, naming the file and the field", (_name, manifest, message) => {
    const error = errorOf(manifest);
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.message).toContain("/plugins/x/plugin.json");
    expect(error.message).toMatch(message);
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseManifest("{", "/p/plugin.json")).toThrow(/\/p\/plugin.json: not valid JSON/);
  });

  it("never throws anything but PolyplugError on arbitrary JSON (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseManifest(JSON.stringify(value), "plugin.json");
        } catch (error) {
          expect(error).toBeInstanceOf(PolyplugError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("resolveLaunchCommand", () => {
  it("picks this machine's executable, or says which ones exist", () => {
    const manifest = parseManifest(
      JSON.stringify({ ...valid, command: undefined, executables: { [currentPlatformKey()]: "bin/x" } }),
      "p.json",
    );
    expect(resolveLaunchCommand(manifest, "/plugins/x")).toEqual({ command: "/plugins/x/bin/x", args: [] });
    const other = parseManifest(
      JSON.stringify({ ...valid, command: undefined, executables: { "plan9-mips": "bin/x" } }),
      "p.json",
    );
    expect(() => resolveLaunchCommand(other, "/plugins/x")).toThrow(/no executable for .* \(it has: plan9-mips\)/);
  });

  it("maps interpreters and resolves file arguments against the plugin folder", () => {
    const manifest = parseManifest(JSON.stringify(valid), "p.json");
    expect(resolveLaunchCommand(manifest, "/plugins/x", { python: "/venv/bin/python" })).toEqual({
      command: "/venv/bin/python",
      args: ["/plugins/x/plugin.py"],
    });
  });
});

describe("checkGatewayVersion", () => {
  it("refuses a plugin that needs a newer gateway, naming both versions", () => {
    const manifest = parseManifest(JSON.stringify({ ...valid, minGatewayVersion: "2.1.0" }), "p.json");
    expect(() => checkGatewayVersion(manifest, "2.1.0")).not.toThrow();
    expect(() => checkGatewayVersion(manifest, "10.0.0")).not.toThrow();
    expect(() => checkGatewayVersion(manifest, "2.0.9")).toThrow(/needs gateway 2.1.0 or newer; this gateway is 2.0.9/);
  });
});

describe("scanPluginsDirs", () => {
  it("keeps good plugins, reports broken manifests and duplicate ids, ignores non-plugin folders", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "plugins-"));
    const write = (dir: string, manifest: unknown) => {
      mkdirSync(path.join(root, dir));
      writeFileSync(
        path.join(root, dir, "plugin.json"),
        typeof manifest === "string" ? manifest : JSON.stringify(manifest),
      );
    };
    write("good", valid);
    write("broken", "{ not json");
    write("dup1", { ...valid, id: "com.example.dup" });
    write("dup2", { ...valid, id: "com.example.dup" });
    mkdirSync(path.join(root, "assets"));
    const scan = await scanPluginsDirs([root]);
    expect(scan.plugins.map((p) => p.manifest.id)).toEqual(["com.example.filter"]);
    expect(scan.broken.map((b) => [path.basename(b.dir), b.error.code]).sort()).toEqual([
      ["broken", ErrorCode.InvalidArgument],
      ["dup1", ErrorCode.Conflict],
      ["dup2", ErrorCode.Conflict],
    ]);
  });

  it("takes a root with a manifest of its own as one plugin folder", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "plugin-"));
    writeFileSync(path.join(root, "plugin.json"), JSON.stringify(valid));
    mkdirSync(path.join(root, "sub"));
    writeFileSync(path.join(root, "sub", "plugin.json"), JSON.stringify({ ...valid, id: "com.example.nested" }));
    const scan = await scanPluginsDirs([root]);
    expect(scan.plugins.map((p) => [p.manifest.id, p.dir])).toEqual([["com.example.filter", root]]);
    expect(scan.broken).toEqual([]);
  });
});
