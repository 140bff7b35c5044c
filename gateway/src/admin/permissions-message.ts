import { create } from "@bufbuild/protobuf";
import { PluginPermissionsSchema, type PluginPermissions } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { API_CAPABILITIES, type ApiCapability, type Permissions, type ResourceLimits } from "../registry/manifest.js";

/** Manifest permissions as the Admin API's PluginPermissions. */
export function toPermissionsMessage(permissions: Permissions): PluginPermissions {
  const { limits } = permissions;
  return create(PluginPermissionsSchema, {
    api: [...permissions.api],
    network: permissions.network,
    readPaths: [...permissions.readPaths],
    limits: {
      memoryMib: limits.memoryMiB ?? 0,
      cpuPercent: limits.cpuPercent ?? 0,
      processes: limits.processes ?? 0,
      openFiles: limits.openFiles ?? 0,
    },
  });
}

/**
 * An approval as manifest permissions, for comparison. Lenient on purpose: a capability name
 * this gateway does not know approves nothing, an unknown network is "none", a 0 limit is
 * "the gateway's default" — all of which only ever approve less.
 */
export function fromPermissionsMessage(message: PluginPermissions): Permissions {
  const known = (name: string): name is ApiCapability => (API_CAPABILITIES as readonly string[]).includes(name);
  const limits: { -readonly [K in keyof ResourceLimits]: number } = {};
  if (message.limits?.memoryMib) limits.memoryMiB = message.limits.memoryMib;
  if (message.limits?.cpuPercent) limits.cpuPercent = message.limits.cpuPercent;
  if (message.limits?.processes) limits.processes = message.limits.processes;
  if (message.limits?.openFiles) limits.openFiles = message.limits.openFiles;
  return {
    api: message.api.filter(known),
    network: message.network === "host" ? "host" : "none",
    readPaths: [...message.readPaths],
    limits,
  };
}
