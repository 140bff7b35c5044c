import { ErrorCode, PolyplugError } from "../errors.js";
import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { ApiCapability } from "../registry/manifest.js";

/**
 * The capability (manifest `permissions.api`) each GatewayAPI RPC needs. Typed over every
 * method of the service, so a new RPC does not compile until it is given a capability here:
 * an RPC nobody classified is never served by accident.
 */
export const CAPABILITY_OF_RPC: { readonly [K in keyof (typeof GatewayAPI)["method"]]: ApiCapability } = {
  kvGet: "kv",
  kvSet: "kv",
  kvDelete: "kv",
  kvList: "kv",
  log: "log",
  publishEvent: "events",
  getConfig: "config",
  saveConfig: "config",
  publishClusterMessage: "cluster",
};

/**
 * Throws PERMISSION_DENIED when `granted` lacks the capability the GatewayAPI method
 * `localName` (e.g. `kvSet`) needs; the message names the plugin, the capability and the RPC,
 * and says where to ask for it. A method missing from CAPABILITY_OF_RPC is refused too.
 */
export function checkApiPermission(pluginId: string, granted: ReadonlySet<ApiCapability>, localName: string): void {
  const capability = (CAPABILITY_OF_RPC as Readonly<Record<string, ApiCapability>>)[localName];
  const rpc = GatewayAPI.methods.find((method) => method.localName === localName)?.name ?? localName;
  if (capability === undefined) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `GatewayAPI ${rpc} needs no known capability, so no plugin may call it`,
    );
  }
  if (!granted.has(capability)) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `plugin ${pluginId} has no permission ${JSON.stringify(capability)} (${rpc}); add it to permissions.api in plugin.json`,
      { details: { capability, rpc } },
    );
  }
}
