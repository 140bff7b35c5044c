import type { JsonObject } from "@bufbuild/protobuf";
import type { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcHandlers } from "@polyplug/sdk/internal/rpc/server.js";
import { checkStructSize } from "./request-checks.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

type ConfigHandlers = Required<Pick<RpcHandlers<typeof GatewayAPI>, "getConfig" | "saveConfig">>;

/** The calling plugin's configuration, as the runtime keeps it. */
export interface PluginConfigAccess {
  /** The stored configuration; an empty object when none is stored. */
  get(): JsonObject;
  /**
   * Validates against the manifest's settings schema, stores, and notifies every
   * instance (ConfigurationChanged with origin_plugin_id = this plugin). Throws
   * PolyplugError `invalid_argument` naming the offending field. Returns what was stored.
   */
  save(config: JsonObject): Promise<JsonObject>;
}

/**
 * GatewayAPI.GetConfig and SaveConfig: SaveConfig checks the 8 MiB limit
 * (RESOURCE_EXHAUSTED) and reads an unset configuration as `{}`; validation, storage
 * and notification are the runtime's, through `config`.
 */
export function createConfigHandlers(config: PluginConfigAccess): ConfigHandlers {
  return {
    getConfig() {
      return { configuration: config.get() };
    },
    async saveConfig(request) {
      checkStructSize("configuration", request.configuration, "configuration", LIMITS.payloadBytes);
      await config.save(request.configuration ?? {});
      return {};
    },
  };
}
