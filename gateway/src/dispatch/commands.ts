import { ErrorCode, PolyplugError } from "../errors.js";
import { Hook } from "@polyplug/sdk/internal/contract/enums.js";
import type { ActivePlugin } from "./active-plugins.js";

/** A command name claimed by more than one plugin. */
export interface CommandConflict {
  readonly command: string;
  readonly pluginIds: readonly string[];
}

/** Which active plugins claim which command names (from their Describe). */
export function commandClaims(plugins: readonly ActivePlugin[]): Map<string, string[]> {
  const claims = new Map<string, string[]>();
  for (const plugin of plugins) {
    if (!plugin.session.implements(Hook.EXECUTE_COMMAND)) continue;
    for (const spec of plugin.session.description.commands) {
      const owners = claims.get(spec.name) ?? [];
      owners.push(plugin.pluginId);
      claims.set(spec.name, owners);
    }
  }
  return claims;
}

/** Every command claimed twice or more; these are reported, never silently resolved. */
export function commandConflicts(plugins: readonly ActivePlugin[]): CommandConflict[] {
  return [...commandClaims(plugins)]
    .filter(([, owners]) => owners.length > 1)
    .map(([command, pluginIds]) => ({ command, pluginIds: [...pluginIds].sort() }));
}

/**
 * The one plugin that owns `command`; not_found or failed_precondition otherwise. A command
 * claimed twice is failed_precondition (HTTP 400, as gRPC's guide puts it: do not retry until
 * the state is fixed, here by disabling all but one claimant); header and body say the same code.
 */
export function commandOwner(plugins: readonly ActivePlugin[], command: string): ActivePlugin {
  const owners = commandClaims(plugins).get(command) ?? [];
  if (owners.length === 0)
    throw new PolyplugError(ErrorCode.NotFound, `no active plugin provides the command /${command}`);
  if (owners.length > 1) {
    throw new PolyplugError(
      ErrorCode.FailedPrecondition,
      `the command /${command} is claimed by several plugins (${[...owners].sort().join(", ")}); disable all but one`,
      {
        details: { pluginIds: owners },
      },
    );
  }
  const owner = plugins.find((p) => p.pluginId === owners[0]);
  if (!owner) throw new PolyplugError(ErrorCode.NotFound, `no active plugin provides the command /${command}`);
  return owner;
}
