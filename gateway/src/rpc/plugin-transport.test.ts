import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { readServeConfig } from "../runtime/serve-config.js";
import { parsePluginTransport, PLUGIN_TRANSPORT_ENV, resolvePluginTransport } from "./plugin-transport.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-serve-config-")), "polyplug.yaml");
  writeFileSync(file, text);
  return file;
}

describe("plugin transport choice", () => {
  it("is h2 by default, the environment's when set, the option's above both", () => {
    expect(resolvePluginTransport(undefined, {})).toBe("h2");
    expect(resolvePluginTransport(undefined, { [PLUGIN_TRANSPORT_ENV]: "node-http2" })).toBe("node-http2");
    expect(resolvePluginTransport("h2", { [PLUGIN_TRANSPORT_ENV]: "node-http2" })).toBe("h2");
    expect(resolvePluginTransport(undefined, { [PLUGIN_TRANSPORT_ENV]: "" })).toBe("h2");
  });

  it("refuses an unknown name, saying where it came from and what is allowed", () => {
    expect(() => resolvePluginTransport(undefined, { [PLUGIN_TRANSPORT_ENV]: "grpc-js" })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidArgument,
        message: `${PLUGIN_TRANSPORT_ENV} must be h2 or node-http2, got "grpc-js"`,
      }),
    );
    expect(() => parsePluginTransport("H2", "--x")).toThrow('--x must be h2 or node-http2, got "H2"');
  });

  it("is read from the serve config's pluginTransport, which refuses other values", async () => {
    expect((await readServeConfig(configFile("pluginTransport: node-http2\n"))).pluginTransport).toBe("node-http2");
    expect((await readServeConfig(configFile("autoMtls: true\n"))).pluginTransport).toBeUndefined();
    await expect(readServeConfig(configFile("pluginTransport: grpc\n"))).rejects.toThrow("field pluginTransport");
  });
});
