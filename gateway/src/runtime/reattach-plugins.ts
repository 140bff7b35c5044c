import type { ReattachConfig } from "../host/plugin-client.js";
import { parseReattachConfig } from "../host/reattach.js";
import { ErrorCode, PolyplugError } from "../errors.js";

/**
 * The plugins to attach to instead of launching, keyed by plugin id: from `--reattach
 * ID=JSON` flags and the `POLYPLUG_REATTACH_PLUGINS` variable, a JSON object of the same
 * shape as Terraform's `TF_REATTACH_PROVIDERS` (`{"com.example.x": {"Protocol":"grpc",
 * "ProtocolVersion":1,"Pid":123,"Test":true,"Addr":{"Network":"unix","String":"/tmp/…"}}}`).
 * Flags win over the variable. Errors name the plugin and what is wrong.
 */
export function reattachConfigs(flags: readonly string[], variable: string | undefined): Map<string, ReattachConfig> {
  const configs = new Map<string, ReattachConfig>();
  if (variable?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(variable);
    } catch (cause) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `POLYPLUG_REATTACH_PLUGINS is not valid JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        'POLYPLUG_REATTACH_PLUGINS must be a JSON object {"<plugin id>": <reattach config>}',
      );
    }
    for (const [pluginId, value] of Object.entries(parsed))
      configs.set(pluginId, parseOne(pluginId, JSON.stringify(value)));
  }
  for (const flag of flags) {
    const equals = flag.indexOf("=");
    if (equals <= 0)
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `--reattach takes PLUGIN_ID=JSON, got ${JSON.stringify(flag.slice(0, 100))}`,
      );
    const pluginId = flag.slice(0, equals);
    configs.set(pluginId, parseOne(pluginId, flag.slice(equals + 1)));
  }
  return configs;
}

function parseOne(pluginId: string, json: string): ReattachConfig {
  try {
    return parseReattachConfig(json);
  } catch (error) {
    const failure = PolyplugError.from(error);
    throw new PolyplugError(failure.code, `reattach config for ${pluginId}: ${failure.message}`, { cause: failure });
  }
}
