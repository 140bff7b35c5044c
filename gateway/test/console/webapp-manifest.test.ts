// The manifest's `webapp` field: a bundle inside a sub-folder of the plugin, nothing else.
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/registry/manifest.js";

const manifest = (webapp: unknown) =>
  JSON.stringify({ id: "com.test.webapp", name: "W", version: "1.0.0", command: ["node", "p.mjs"], webapp });

describe("manifest webapp", () => {
  it.each(["webapp/main.js", "web/dist/index.mjs"])("accepts %s", (bundle) => {
    expect(parseManifest(manifest({ bundle }), "plugin.json").webapp).toEqual({ bundle });
  });

  it.each([
    ["main.js", "inside a sub-folder"],
    ["../webapp/main.js", "inside the plugin folder"],
    ["/abs/webapp/main.js", "inside the plugin folder"],
    ["webapp/main.ts", ".js or .mjs"],
  ])("refuses %s, naming the field", (bundle, why) => {
    expect(() => parseManifest(manifest({ bundle }), "plugin.json")).toThrow(
      new RegExp(`field webapp\\.bundle: .*${why.replace(/\./g, "\\.")}`),
    );
  });

  it("refuses unknown keys in webapp", () => {
    expect(() => parseManifest(manifest({ bundle: "webapp/main.js", css: "x.css" }), "plugin.json")).toThrow(/webapp/);
  });
});
