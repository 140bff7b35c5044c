// The `polyplug` package's entry points as a consumer resolves them (package.json "exports",
// the built dist): the main entry is what an application embedding the gateway needs, the
// parts it is built from are behind their subpaths.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";

const ENTRIES = [
  "polyplug",
  "polyplug/host",
  "polyplug/registry",
  "polyplug/store",
  "polyplug/internal",
  "polyplug/sdk",
];

/** The runtime export names of each entry, imported by a separate Node process inside the package. */
function exportNames(): Record<string, string[]> {
  const script = `const out = {}; for (const name of ${JSON.stringify(ENTRIES)}) out[name] = Object.keys(await import(name)).sort(); console.log(JSON.stringify(out));`;
  return JSON.parse(
    execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fixturePaths.gateway,
      encoding: "utf8",
    }),
  ) as Record<string, string[]>;
}

describe("the polyplug package's entry points", () => {
  it("resolve through package.json exports, each with its own part of the surface", () => {
    const names = exportNames();
    expect(names.polyplug).toEqual([
      "DEFAULT_PUBLIC_LIMITS",
      "DEFAULT_SUPERVISION_POLICY",
      "ErrorCode",
      "PolyplugError",
      "createGateway",
      "createLogTap",
      "readServeConfig",
    ]);
    expect(names["polyplug/host"]).toEqual(
      expect.arrayContaining([
        "startPlugin",
        "reattachPlugin",
        "parseReattachConfig",
        "createRpcClient",
        "addRpcService",
        "POLYPLUG_HANDSHAKE",
        "createPluginSandbox",
      ]),
    );
    expect(names["polyplug/registry"]).toEqual(
      expect.arrayContaining([
        "parseManifest",
        "packBundle",
        "readBundle",
        "checkBundleSignature",
        "loadTrustedKeys",
        "parseYamlStrict",
      ]),
    );
    expect(names["polyplug/store"]).toEqual(["openGatewayStore", "openPostgresStore", "openSqliteStore"]);
    expect(names["polyplug/internal"]).toEqual(
      expect.arrayContaining(["createGatewayMetrics", "createConsoleRoutes", "createScaffold", "startPublicServer"]),
    );
    // Kept for plugins written before @polyplug/sdk: the same SDK.
    expect(names["polyplug/sdk"]).toEqual(expect.arrayContaining(["definePlugin", "serve"]));
    // Each name lives in one entry (the SDK re-export aside).
    const all = ENTRIES.filter((entry) => entry !== "polyplug/sdk").flatMap((entry) => names[entry] ?? []);
    expect(all.length).toBe(new Set(all).size);
  });
});
