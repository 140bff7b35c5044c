import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { Hook } from "@polyplug/sdk/internal/contract/enums.js";
import { defaultConfiguration, validateConfiguration } from "../registry/settings.js";
import type { PluginRecords } from "./plugin-records.js";
import type { PluginTable } from "./plugin-table.js";

/** Reading and changing plugins' configurations. */
export interface PluginConfigs {
  /** The saved configuration, or the manifest's defaults when none is saved or it no longer fits the schema. */
  get(pluginId: string): JsonObject;
  /**
   * Validates against the manifest's settings, saves, and tells the running plugin:
   * ConfigurationChanged when it implements the hook (without waiting for its answer), a restart otherwise.
   */
  save(pluginId: string, config: JsonObject, originPluginId?: string): Promise<JsonObject>;
  /** Tells the running plugin its saved configuration changed (another gateway of the cluster saved it). */
  deliver(pluginId: string, originPluginId?: string): void;
}

/** What `createPluginConfigs` needs from the gateway. */
export interface PluginConfigsOptions {
  readonly table: PluginTable;
  readonly records: PluginRecords;
  readonly logger: Logger;
  /** Deadline of a ConfigurationChanged call. */
  readonly deliveryTimeoutMs: number;
}

/** Configuration access for every plugin in `table`, persisted in `store`. */
export function createPluginConfigs({
  table,
  records,
  logger,
  deliveryTimeoutMs,
}: PluginConfigsOptions): PluginConfigs {
  const settingsOf = (pluginId: string) => table.entry(pluginId).folder.manifest.settings;

  const get = (pluginId: string): JsonObject => {
    const settings = settingsOf(pluginId);
    const saved = records.get(pluginId).config;
    if (!saved) return defaultConfiguration(settings);
    try {
      return validateConfiguration(settings, saved);
    } catch (error) {
      logger.warn(
        { pluginId, err: PolyplugError.from(error).message },
        "saved configuration no longer fits the settings schema; using defaults",
      );
      return defaultConfiguration(settings);
    }
  };

  const deliver = (pluginId: string, originPluginId?: string): void => {
    if (!table.has(pluginId)) return;
    const validated = get(pluginId);
    const { supervisor } = table.entry(pluginId);
    const session = supervisor.session;
    if (session?.implements(Hook.CONFIGURATION_CHANGED)) {
      // hook-context boots common_pb's descriptor: imported on use, not at a gateway's start (issue 17, row 4).
      void import("../supervision/hook-context.js")
        .then(({ newHookContext }) => {
          // A restart meanwhile activates the new session with the saved configuration: nothing to deliver.
          if (supervisor.session !== session) return undefined;
          const context = newHookContext({
            pluginId,
            timeoutMs: deliveryTimeoutMs,
            ...(originPluginId ? { originPluginId } : {}),
          });
          return session.rpc.configurationChanged(
            { context, configuration: validated },
            { deadline: deliveryTimeoutMs },
          );
        })
        .then(
          (answer) =>
            answer?.error &&
            logger.warn({ pluginId, err: answer.error.message }, "plugin rejected its new configuration"),
        )
        .catch((error: unknown) =>
          logger.warn({ pluginId, err: PolyplugError.from(error).message }, "could not deliver the new configuration"),
        );
    } else if (session) {
      void supervisor.restart();
    }
  };

  const save = async (pluginId: string, config: JsonObject, originPluginId?: string): Promise<JsonObject> => {
    const validated = validateConfiguration(settingsOf(pluginId), config);
    await records.saveConfig(pluginId, validated);
    deliver(pluginId, originPluginId);
    return validated;
  };

  return { get, save, deliver };
}
