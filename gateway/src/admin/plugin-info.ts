import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { toProtoFailMode } from "../dispatch/fail-mode-proto.js";
import type { ActivePlugins } from "../dispatch/active-plugins.js";
import {
  PluginInfoSchema,
  PluginState,
  SettingSpecSchema,
  SettingType,
  HookLatencySchema,
  type PluginError,
  type PluginInfo,
  type SettingSpec,
} from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { Setting } from "../registry/settings.js";
import type { PluginListing } from "../runtime/gateway.js";
import type { PluginStatus, PluginState as SupervisorState } from "../supervision/supervisor.js";
import type { LatencyRecorder } from "./latency-recorder.js";
import { toPermissionsMessage } from "./permissions-message.js";

const states: Record<SupervisorState, PluginState> = {
  "not-running": PluginState.NOT_RUNNING,
  starting: PluginState.STARTING,
  active: PluginState.ACTIVE,
  unhealthy: PluginState.UNHEALTHY,
  restarting: PluginState.RESTARTING,
  failed: PluginState.FAILED,
  stopping: PluginState.STOPPING,
};

const settingTypes: Record<Setting["type"], SettingType> = {
  bool: SettingType.BOOL,
  text: SettingType.TEXT,
  longtext: SettingType.LONGTEXT,
  number: SettingType.NUMBER,
  select: SettingType.SELECT,
  secret: SettingType.SECRET,
  list: SettingType.LIST,
};

const latencyHooks = { intercept: Hook.INTERCEPT, notify: Hook.NOTIFY, command: Hook.EXECUTE_COMMAND } as const;

/** The Admin API's state for a supervisor state (UNSPECIFIED for a name this build does not know, e.g. from a newer cluster node). */
export function toPluginState(state: SupervisorState | string): PluginState {
  return Object.hasOwn(states, state) ? states[state as SupervisorState] : PluginState.UNSPECIFIED;
}

/** The Admin API's last error for a supervisor's. */
export function toPluginError(error: PluginStatus["lastError"]): PluginError | undefined {
  return error
    ? { $typeName: "polyplug.v1.PluginError", code: error.code, message: error.message, at: timestampFromMs(error.at) }
    : undefined;
}

/** One manifest setting as a SettingSpec (what a console needs to render a form). */
export function toSettingSpec(setting: Setting): SettingSpec {
  return create(SettingSpecSchema, {
    key: setting.key,
    type: settingTypes[setting.type],
    displayName: setting.displayName ?? "",
    helpText: setting.helpText ?? "",
    ...(setting.default !== undefined ? { defaultValue: fromJson(ValueSchema, setting.default as JsonValue) } : {}),
    required: setting.required,
    options: (setting.options ?? []).map((option) => ({ value: option.value, label: option.label ?? "" })),
    ...(setting.min !== undefined ? { min: setting.min } : {}),
    ...(setting.max !== undefined ? { max: setting.max } : {}),
  });
}

/**
 * A plugin listing as PluginInfo: supervision facts, the settings schema, the Describe
 * answer while the plugin runs, and its latency figures.
 */
export function toPluginInfo(
  listing: PluginListing,
  settings: readonly Setting[],
  active: ActivePlugins,
  latency: LatencyRecorder,
): PluginInfo {
  const description = active.get(listing.pluginId)?.session.description;
  return create(PluginInfoSchema, {
    id: listing.pluginId,
    name: listing.name,
    version: listing.version,
    state: toPluginState(listing.state),
    enabled: listing.enabled,
    pid: listing.pid ?? 0,
    restarts: listing.restarts,
    recentFailures: listing.recentFailures,
    ...(listing.lastError ? { lastError: toPluginError(listing.lastError) } : {}),
    ...(listing.activeSince !== undefined ? { activeSince: timestampFromMs(listing.activeSince) } : {}),
    managed: listing.managed,
    dir: listing.dir,
    implementedHooks: description?.implementedHooks ?? [],
    interceptTopics: description?.interceptTopics ?? [],
    notifyTopics: description?.notifyTopics ?? [],
    commands: description?.commands ?? [],
    httpRoutes: description?.httpRoutes ?? [],
    settings: settings.map(toSettingSpec),
    failModes: listing.failModes.map((f) => ({ topic: f.topic, mode: toProtoFailMode(f.mode), source: f.source })),
    blockingTopics: [...listing.blockingTopics],
    permissions: toPermissionsMessage(listing.permissions),
    latency: latency.figures(listing.pluginId).map((figures) =>
      create(HookLatencySchema, {
        ...figures,
        hook: latencyHooks[figures.hook],
        calls: BigInt(figures.calls),
        failures: BigInt(figures.failures),
      }),
    ),
  });
}
