import type { PluginClient, StartPluginOptions } from "polyplug/host";
import { startPlugin } from "polyplug/host";
import type { CaseSpec } from "./case-spec.js";
import type { FeatureSet } from "./features.js";
import type { PluginTarget } from "./plugin-target.js";
import { spawnRawPlugin, type RawPlugin, type RawSpawnOptions } from "./raw-plugin.js";
import { openContractSession, type ContractSession, type SessionOptions } from "./contract-session.js";
import type { GatewayApiBackend } from "./gateway-api/gateway-api-backend.js";
import type { HostSettings } from "./host-settings.js";

/** Everything a check function gets. Resources it opens through here are released after the case. */
export interface CheckContext {
  readonly spec: CaseSpec;
  readonly target: PluginTarget;
  readonly features: FeatureSet;
  /** Cookie, versions, AutoMTLS and start timeout, as the host of the run is configured. */
  readonly settings: HostSettings;
  /** Aborted when the case's time is up. */
  readonly signal: AbortSignal;
  /** Records a step for `-v` traces: what was sent, what came back. */
  trace(step: string, detail?: unknown): void;
  /**
   * Says how far the check has got (e.g. "head 200 arrived, 1 048 576 bytes, stream still
   * open"); the latest one is quoted when the case runs out of time.
   */
  progress(summary: string): void;
  /** Spawns the plugin raw (no host core). */
  raw(options?: RawSpawnOptions): Promise<RawPlugin>;
  /** Starts the plugin through the gateway host core (startPlugin), with the run's cookie, versions, AutoMTLS and start timeout unless `options` say otherwise. */
  start(options?: Partial<StartPluginOptions>): Promise<PluginClient>;
  /** Starts the plugin and runs Describe + Activate with a GatewayAPI served through the broker. */
  session(options?: SessionOptions): Promise<ContractSession>;
  /** Registers a cleanup step run after the case, newest first. */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

/** A check: resolves when the plugin passed, throws CheckFailure / CaseNotApplicable otherwise. */
export type CheckFunction = (ctx: CheckContext) => Promise<void>;

/** Builds the context of one case run; call `dispose` after the check. */
export function createCheckContext(params: {
  spec: CaseSpec;
  target: PluginTarget;
  features: FeatureSet;
  settings: HostSettings;
  signal: AbortSignal;
  trace: (step: string, detail?: unknown) => void;
  progress: (summary: string) => void;
  backendFactory: () => GatewayApiBackend;
}): { context: CheckContext; dispose: () => Promise<void> } {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const { target, trace, settings } = params;
  const context: CheckContext = {
    spec: params.spec,
    target,
    features: params.features,
    settings,
    signal: params.signal,
    trace,
    progress: params.progress,
    defer: (cleanup) => void cleanups.push(cleanup),
    async raw(options) {
      const plugin = await spawnRawPlugin(target, settings, options);
      cleanups.push(() => plugin.dispose());
      trace("spawned raw plugin", { env: plugin.pluginEnv });
      return plugin;
    },
    async start(options = {}) {
      const plugin = await startPlugin({
        command: target.command,
        args: target.args,
        ...(target.cwd ? { cwd: target.cwd } : {}),
        inheritEnv: true,
        handshake: settings.handshake,
        autoMtls: settings.autoMtls,
        startTimeoutMs: settings.startTimeoutMs,
        ...options,
      });
      cleanups.push(() => plugin.shutdown({ gracefulMs: 1000, terminateMs: 500 }));
      trace("started plugin through the host core", {
        handshake: plugin.handshake.network + " " + plugin.handshake.address,
        mtls: plugin.mtls,
      });
      return plugin;
    },
    async session(options = {}) {
      const session = await openContractSession({ context, backend: params.backendFactory(), ...options });
      cleanups.push(() => session.close());
      return session;
    },
  };
  return {
    context,
    dispose: async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch {
          // best effort: a failed cleanup must not hide the case result
        }
      }
    },
  };
}
