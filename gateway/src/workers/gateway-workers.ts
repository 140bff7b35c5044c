import type { Logger } from "pino";
import { DEFAULT_PLUGIN_IN_FLIGHT_LIMIT } from "../dispatch/in-flight.js";
import type { FailurePolicy, FailurePolicyConfig } from "../dispatch/failure-policy.js";
import type { GatewayDispatcher } from "../dispatch/gateway-dispatcher.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import { resolvePublicLimits, type PublicLimitsInit } from "../surfaces/public-limits.js";
import type { Supervisor } from "../supervision/supervisor.js";
import type { TracingOptions } from "../tracing/start-tracing.js";
import { resolvePluginTransport, type PluginTransport } from "../rpc/plugin-transport.js";
import { sessionKey, snapshotPlugins } from "./plugin-snapshot.js";
import { divideInFlightPerPlugin, divideLimits } from "./worker-limits.js";
import { registerWorkerMetrics } from "./worker-metrics.js";
import { startWorkerPool, type WorkerPool } from "./worker-pool.js";

/** What a gateway hands its public-port workers. */
export interface GatewayWorkersOptions {
  readonly count: number;
  readonly host: string;
  readonly port: number;
  /** The gateway's supervisors, in plugin-table order (chain order is worked out from their manifests). */
  supervisors(): readonly Supervisor[];
  readonly failurePolicy: FailurePolicy;
  readonly failurePolicyConfig: FailurePolicyConfig | undefined;
  /** The primary's dispatcher: workers' hook calls reach its observers (metrics, latency). */
  readonly dispatcher: GatewayDispatcher;
  readonly metrics: GatewayMetrics;
  readonly limits: PublicLimitsInit | undefined;
  readonly maxInFlightPerPlugin: number | undefined;
  readonly tracing: TracingOptions | undefined;
  readonly logger: Logger;
  readonly version: string;
  readonly pluginTransport: PluginTransport | undefined;
}

/**
 * Starts `count` public-port workers for a gateway (serve config `workers`): each serves the
 * public API with its own share of the limits and its own plugin connections; their hook calls
 * feed this gateway's metrics, and their deadline misses and answers reach the supervisor of
 * the session they were made on (a report about an older session is dropped).
 */
export async function startGatewayWorkers(options: GatewayWorkersOptions): Promise<WorkerPool> {
  const { dispatcher } = options;
  const supervisorOf = (pluginId: string, key: string): Supervisor | undefined => {
    const supervisor = options.supervisors().find((s) => s.pluginId === pluginId);
    return supervisor?.session && sessionKey(supervisor.session) === key ? supervisor : undefined;
  };
  const pool = await startWorkerPool({
    count: options.count,
    host: options.host,
    port: options.port,
    init: {
      limits: divideLimits(resolvePublicLimits(options.limits), options.count),
      maxInFlightPerPlugin: divideInFlightPerPlugin(
        options.maxInFlightPerPlugin ?? DEFAULT_PLUGIN_IN_FLIGHT_LIMIT,
        options.count,
      ),
      failurePolicy: options.failurePolicyConfig,
      tracing: options.tracing,
      logLevel: options.logger.level,
      version: options.version,
      pluginTransport: resolvePluginTransport(options.pluginTransport),
    },
    snapshot: () => snapshotPlugins(options.supervisors(), options.failurePolicy),
    onHookCalls(batches) {
      for (const { pluginId, hook, outcome, durationsMs } of batches) {
        for (const durationMs of durationsMs) dispatcher.report({ pluginId, hook, outcome, durationMs });
      }
    },
    onHookTimeout: (report) => supervisorOf(report.pluginId, report.sessionKey)?.reportHookTimeout(report.hook),
    onHookAnswered: (pluginId, key) => supervisorOf(pluginId, key)?.reportHookSuccess(),
    logger: options.logger,
  });
  registerWorkerMetrics(options.metrics.registry, () => pool.statuses());
  return pool;
}
