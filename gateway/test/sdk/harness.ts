// Starts TypeScript plugins (built SDK, plain `node`) through the gateway's host core.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { startPlugin, type PluginClient, type StartPluginOptions } from "../../src/entry/host.js";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { fixturePaths } from "../paths.js";
import { createMemoryGatewayApi } from "./memory-gateway-api.js";

/** Example and fixture plugin entry points. */
export const sdkPaths = {
  example: (name: string) => path.join(fixturePaths.gateway, "examples", name, "plugin.mjs"),
  fixture: (name: string) => path.join(fixturePaths.gateway, "test", "sdk", "fixtures", name),
  builtSdk: path.join(fixturePaths.gateway, "sdk", "dist", "index.js"),
};

/** Builds the SDK package and the gateway when the compiled SDK is missing (`npm test` builds before vitest). */
export function ensureSdkBuilt(): void {
  if (existsSync(sdkPaths.builtSdk) && existsSync(path.join(fixturePaths.gateway, "dist", "sdk", "index.js"))) return;
  execFileSync("npx", ["tsc", "-p", "sdk/tsconfig.build.json"], { cwd: fixturePaths.gateway, stdio: "inherit" });
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: fixturePaths.gateway, stdio: "inherit" });
}

const running: PluginClient[] = [];

/** Starts `node <entry>` as a plugin; stopped by `stopAll`. */
export async function startNodePlugin(entry: string, options: Partial<StartPluginOptions> = {}): Promise<PluginClient> {
  const plugin = await startPlugin({ command: process.execPath, args: [entry], startTimeoutMs: 20_000, ...options });
  running.push(plugin);
  return plugin;
}

/** Shuts every plugin started by this file down. */
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((plugin) => plugin.shutdown({ gracefulMs: 1000, terminateMs: 500 })));
}

/** Starts the plugin, serves the GatewayAPI on a broker id, and calls Describe + Activate. */
export async function startActivated(
  entry: string,
  options: Partial<StartPluginOptions> & { config?: JsonObject } = {},
) {
  const { config = {}, ...startOptions } = options;
  const plugin = await startNodePlugin(entry, startOptions);
  const api = createMemoryGatewayApi(config);
  const brokerId = plugin.broker.nextId();
  await plugin.broker.acceptAndServe(brokerId, (server) => api.register(server));
  const rpc = plugin.client(Plugin);
  const description = await rpc.describe({ context: { requestId: "describe-1" } });
  const activation = await rpc.activate({
    context: { requestId: "activate-1" },
    configuration: config,
    gatewayApiBrokerId: brokerId,
    gateway: { version: "0.1.0-test", instanceId: "test" },
  });
  return { plugin, rpc, api, description, activation };
}
