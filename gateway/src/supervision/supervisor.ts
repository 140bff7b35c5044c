import { EventEmitter } from "node:events";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { DescribeResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { Hook } from "@polyplug/sdk/internal/contract/enums.js";
import type { PluginClient } from "../host/plugin-client.js";
import { startPlugin, type StartPluginOptions } from "../host/start-plugin.js";
import type { LaunchCommand, Manifest } from "../registry/manifest.js";
import type { PluginSession } from "./plugin-session.js";
import { FailureWindow, restartDelayMs, type SupervisionPolicy } from "./policy.js";

/**
 * Describe, Activate, Deactivate and their HookContext: plugin_pb's and common_pb's descriptors
 * boot when this loads, so it loads once a plugin was spawned, while it boots, not before the
 * first spawn (issue 17, row 4).
 */
const loadSessionCode = () => import("./plugin-session.js");

/** The visible states of a supervised plugin. */
export type PluginState = "not-running" | "starting" | "active" | "unhealthy" | "restarting" | "failed" | "stopping";

/** A snapshot of a supervised plugin, for operators and APIs. */
export interface PluginStatus {
  readonly pluginId: string;
  readonly state: PluginState;
  readonly pid: number | undefined;
  /** Restarts since the gateway started: automatic ones after a failure and operators' `restart`. */
  readonly restarts: number;
  /** Failures within the crash-loop window. */
  readonly recentFailures: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
  readonly activeSince: number | undefined;
  /** Hook calls past their deadline while the plugin still answered its health check (busy, not hung: no strike). */
  readonly busyDeadlineMisses: number;
}

/** What a supervisor needs from the gateway around it. */
export interface SupervisorDeps {
  readonly manifest: Manifest;
  readonly dir: string;
  readonly launch: LaunchCommand;
  readonly policy: SupervisionPolicy;
  readonly logger: Logger;
  /** Extra host options (AutoMTLS, env, socket dir...). */
  readonly hostOptions: Omit<StartPluginOptions, "command" | "args" | "cwd" | "logger" | "startTimeoutMs">;
  /** Serves the GatewayAPI to this plugin through its broker; returns the broker id. */
  serveGatewayApi(host: PluginClient): Promise<number>;
  /** The configuration to activate with (validated, defaults filled in). */
  configuration(): JsonObject;
  readonly gatewayVersion: string;
  readonly instanceId: string;
  readonly now?: () => number;
  /** Connects to a plugin someone else started (reattach) instead of launching `launch`. */
  readonly attach?: () => Promise<PluginClient>;
}

/**
 * Supervises one plugin: start (launch and handshake, or reattach; Describe; serve the
 * GatewayAPI on the broker; Activate with the configuration — ConfigurationChanged is only
 * for later changes), health checks, restart with exponential backoff after crashes, hangs
 * or failed checks, and a crash-loop stop in `failed` until an operator acts. Emits `state`
 * on every transition.
 */
export class Supervisor extends EventEmitter<{ state: [PluginStatus] }> {
  private stateValue: PluginState = "not-running";
  private sessionValue: PluginSession | undefined;
  private readonly failures: FailureWindow;
  private restarts = 0;
  private lastError: PluginStatus["lastError"];
  private activeSince: number | undefined;
  private strikes = 0;
  /** A health probe after a missed deadline is in flight (one at a time). */
  private probing = false;
  /** Deadline misses of a plugin that still answered its health check (busy, not hung). */
  private busyMisses = 0;
  private healthTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private wantedValue = false;
  private lastDescriptionValue: DescribeResponse | undefined;
  private generation = 0;
  private readonly now: () => number;
  /** The start in progress, and how to cut it short (stop must not leave its process behind). */
  private launching: Promise<void> | undefined;
  private launchAbort: AbortController | undefined;
  private pendingHost: PluginClient | undefined;
  /** Processes being shut down after a failure (not awaited there; stop and kill wait for them). */
  private readonly retiring = new Set<PluginClient>();

  constructor(private readonly deps: SupervisorDeps) {
    super();
    this.failures = new FailureWindow(deps.policy);
    this.now = deps.now ?? Date.now;
  }

  get pluginId(): string {
    return this.deps.manifest.id;
  }

  get manifest(): Manifest {
    return this.deps.manifest;
  }

  /** True while the operator wants it running (started, not stopped): it keeps its place in chains in every state. */
  get wanted(): boolean {
    return this.wantedValue;
  }

  /** Its last Describe answer, kept while it is down (undefined before its first start). */
  get lastDescription(): DescribeResponse | undefined {
    return this.lastDescriptionValue;
  }

  get state(): PluginState {
    return this.stateValue;
  }

  /** The active session, only while `active` (or `unhealthy`, still answering). */
  get session(): PluginSession | undefined {
    return this.stateValue === "active" || this.stateValue === "unhealthy" ? this.sessionValue : undefined;
  }

  status(): PluginStatus {
    return {
      pluginId: this.pluginId,
      state: this.stateValue,
      pid: this.sessionValue?.host.pid,
      restarts: this.restarts,
      recentFailures: this.failures.count(this.now()),
      lastError: this.lastError,
      activeSince: this.activeSince,
      busyDeadlineMisses: this.busyMisses,
    };
  }

  /** Starts the plugin (resets a `failed` crash loop). Resolves once active or failed to start. */
  async start(): Promise<void> {
    this.wantedValue = true;
    if (this.stateValue === "failed") this.failures.reset();
    if (this.stateValue === "active" || this.stateValue === "starting") return;
    clearTimeout(this.restartTimer);
    await this.launch();
  }

  /** Deactivates (bounded) and shuts the plugin down; it stays stopped until `start`. */
  async stop(): Promise<void> {
    this.wantedValue = false;
    this.generation++;
    clearTimeout(this.restartTimer);
    clearInterval(this.healthTimer);
    await this.cutLaunchShort();
    const session = this.sessionValue;
    this.sessionValue = undefined;
    if (!session) {
      await Promise.all([...this.retiring].map((host) => host.shutdown()));
      this.transition("not-running");
      return;
    }
    this.transition("stopping");
    // Known to kill() while it is being stopped (a forced stop must reach it too).
    this.retiring.add(session.host);
    if (session.implements(Hook.DEACTIVATE) && !session.host.exitInfo) {
      try {
        const timeoutMs = this.deps.policy.deactivateTimeoutMs;
        const { deactivatePlugin } = await loadSessionCode();
        const answer = await deactivatePlugin(session, timeoutMs);
        if (answer.error)
          this.deps.logger.warn({ error: answer.error.message }, "plugin reported an error from Deactivate");
      } catch (error) {
        this.deps.logger.warn(
          { err: PolyplugError.from(error).message },
          "Deactivate did not complete; shutting down anyway",
        );
      }
    }
    const [outcome] = await Promise.all([
      session.host.shutdown(),
      ...[...this.retiring].map((host) => host.shutdown()),
    ]);
    this.retiring.delete(session.host);
    this.deps.logger.info({ outcome }, "plugin stopped");
    this.activeSince = undefined;
    this.transition("not-running");
  }

  /**
   * Stops at once, for a gateway that must exit now: SIGKILL to every process of this
   * plugin (active, starting or retiring) and their sockets released; no Deactivate.
   */
  async kill(): Promise<void> {
    this.wantedValue = false;
    this.generation++;
    clearTimeout(this.restartTimer);
    clearInterval(this.healthTimer);
    this.launchAbort?.abort();
    const hosts = [this.sessionValue?.host, this.pendingHost, ...this.retiring].filter(
      (host): host is PluginClient => host !== undefined,
    );
    this.sessionValue = undefined;
    await Promise.all(hosts.map((host) => host.kill()));
    await this.launching?.catch(() => undefined);
    this.activeSince = undefined;
    this.transition("not-running");
  }

  /** Ends a start in progress: aborts the launch, or shuts the half-started process down; waits for it. */
  private async cutLaunchShort(): Promise<void> {
    if (!this.launching) return;
    this.launchAbort?.abort();
    void this.pendingHost?.shutdown({ gracefulMs: 500, terminateMs: 500 });
    await this.launching.catch(() => undefined);
  }

  /** Shuts a failed process down in the background; stop and kill wait for it. */
  private retire(host: PluginClient, timeouts: { gracefulMs: number; terminateMs: number }): void {
    this.retiring.add(host);
    void host
      .shutdown(timeouts)
      .catch(() => undefined)
      .finally(() => this.retiring.delete(host));
  }

  /** Stop then start; an operator's restart also clears a crash loop. */
  async restart(): Promise<void> {
    await this.stop();
    this.failures.reset();
    this.restarts += 1;
    await this.start();
  }

  /**
   * Dispatch reports a hook call that ran past its deadline. That alone is not a strike: a
   * busy plugin (or the gateway's own load) misses deadlines too. A health check is made
   * (one at a time); only when it fails or times out does the miss count toward
   * `unhealthyAfter`. A plugin that answers its health check is busy, not hung.
   */
  reportHookTimeout(hook: string): void {
    if (this.stateValue !== "active" && this.stateValue !== "unhealthy") return;
    const session = this.sessionValue;
    if (!session || this.probing) return;
    this.probing = true;
    const generation = this.generation;
    session.host
      .health(this.deps.policy.healthTimeoutMs)
      .then(
        (status) => {
          if (generation !== this.generation) return;
          if (status === "SERVING") {
            this.busyMisses += 1;
            this.deps.logger.debug(
              { hook },
              "hook call ran past its deadline but the plugin answers its health check: busy, not hung",
            );
            this.reportHookSuccess();
          } else this.strike(`hook ${hook} ran past its deadline and the health check answered ${status}`);
        },
        (error: unknown) => {
          if (generation === this.generation)
            this.strike(
              `hook ${hook} ran past its deadline and the health check failed: ${PolyplugError.from(error).message}`,
            );
        },
      )
      .finally(() => {
        this.probing = false;
      });
  }

  /** Dispatch reports a hook call that succeeded: the plugin is answering again. */
  reportHookSuccess(): void {
    if (this.strikes > 0) this.strikes = 0;
    if (this.stateValue === "unhealthy") this.transition("active");
  }

  private transition(state: PluginState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.deps.logger.debug({ state }, "plugin state");
    this.emit("state", this.status());
  }

  private recordError(error: PolyplugError): void {
    this.lastError = { code: error.code, message: error.message, at: this.now() };
  }

  private launch(): Promise<void> {
    const abort = new AbortController();
    this.launchAbort = abort;
    const run = this.launchOnce(abort.signal).finally(() => {
      if (this.launching === run) {
        this.launching = undefined;
        this.launchAbort = undefined;
        this.pendingHost = undefined;
      }
    });
    this.launching = run;
    return run;
  }

  private async launchOnce(signal: AbortSignal): Promise<void> {
    const generation = ++this.generation;
    this.transition("starting");
    const { deps } = this;
    let host: PluginClient | undefined;
    try {
      host = deps.attach
        ? await deps.attach()
        : await startPlugin({
            ...deps.hostOptions,
            signal,
            command: deps.launch.command,
            args: deps.launch.args,
            cwd: deps.dir,
            logger: deps.logger,
            startTimeoutMs: deps.policy.startTimeoutMs,
            env: { ...deps.manifest.env, ...deps.hostOptions.env },
          });
      this.pendingHost = host;
      const { activatePlugin, describePlugin } = await loadSessionCode();
      const session = await describePlugin(host, deps.manifest.id, deps.policy.activateTimeoutMs);
      const brokerId = await deps.serveGatewayApi(host);
      await activatePlugin(session, {
        pluginId: deps.manifest.id,
        configuration: deps.configuration(),
        gatewayApiBrokerId: brokerId,
        gatewayVersion: deps.gatewayVersion,
        instanceId: deps.instanceId,
        timeoutMs: deps.policy.activateTimeoutMs,
      });
      if (generation !== this.generation) {
        await host.shutdown();
        return;
      }
      this.sessionValue = session;
      this.lastDescriptionValue = session.description;
      this.strikes = 0;
      this.activeSince = this.now();
      this.watchExit(session, generation);
      this.startHealthChecks(generation);
      this.transition("active");
      deps.logger.info(
        { pid: host.pid, startupMs: host.startupMs, hooks: session.description.implementedHooks.map((h) => Hook[h]) },
        "plugin active",
      );
    } catch (error) {
      const failure = PolyplugError.from(error);
      if (host) await host.shutdown({ gracefulMs: 500, terminateMs: 500 }).catch(() => undefined);
      if (generation !== this.generation) return;
      deps.logger.error({ code: failure.code, err: failure.message }, "plugin failed to start");
      this.fail(failure);
    }
  }

  private watchExit(session: PluginSession, generation: number): void {
    void session.host.exited.then(({ error }) => {
      if (generation !== this.generation || !error) return;
      clearInterval(this.healthTimer);
      this.sessionValue = undefined;
      this.activeSince = undefined;
      this.fail(error);
    });
  }

  private startHealthChecks(generation: number): void {
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => {
      const session = this.sessionValue;
      if (!session || generation !== this.generation) return;
      session.host.health(this.deps.policy.healthTimeoutMs).then(
        (status) => {
          if (status === "SERVING") this.reportHookSuccess();
          else this.strike(`health check answered ${status}`);
        },
        (error: unknown) => this.strike(`health check failed: ${PolyplugError.from(error).message}`),
      );
    }, this.deps.policy.healthIntervalMs);
    this.healthTimer.unref();
  }

  private strike(reason: string): void {
    this.strikes += 1;
    if (this.stateValue === "active") this.transition("unhealthy");
    if (this.strikes < this.deps.policy.unhealthyAfter) return;
    const error = new PolyplugError(
      ErrorCode.Unhealthy,
      `plugin unhealthy: ${reason} (${this.strikes} strikes in a row)`,
    );
    this.deps.logger.error({ reason }, "plugin unhealthy; restarting it");
    const session = this.sessionValue;
    this.sessionValue = undefined;
    this.activeSince = undefined;
    clearInterval(this.healthTimer);
    this.generation++;
    if (session) this.retire(session.host, { gracefulMs: 500, terminateMs: 1000 });
    this.fail(error);
  }

  /** A failure: restart with backoff, or park in `failed` when it is a crash loop. */
  private fail(error: PolyplugError): void {
    this.recordError(error);
    const inWindow = this.failures.record(this.now());
    if (!this.wantedValue) {
      this.transition("not-running");
      return;
    }
    if (this.failures.isCrashLoop()) {
      this.deps.logger.error(
        { failures: inWindow },
        "plugin is crash-looping; parked in failed until an operator restarts or re-enables it",
      );
      this.transition("failed");
      return;
    }
    const delay = restartDelayMs(this.deps.policy, inWindow);
    this.transition("restarting");
    this.deps.logger.warn({ delayMs: delay, failures: inWindow }, "restarting plugin");
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.wantedValue || this.stateValue !== "restarting") return;
      this.restarts += 1;
      void this.launch();
    }, delay);
    this.restartTimer.unref();
  }
}
