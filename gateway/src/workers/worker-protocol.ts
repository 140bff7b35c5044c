import type { ListenAddress, MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";
import type { FailMode, FailurePolicyConfig } from "../dispatch/failure-policy.js";
import type { HookCall } from "../dispatch/gateway-dispatcher.js";
import type { PublishedEvent } from "../plugin-api/events.js";
import type { Manifest } from "../registry/manifest.js";
import type { PluginTransport } from "../rpc/plugin-transport.js";
import type { PublicLimits } from "../surfaces/public-limits.js";
import type { PublicServerStats } from "../surfaces/public-server.js";
import type { TracingOptions } from "../tracing/start-tracing.js";

// The messages between the primary (supervision) and its public-port workers, over the
// cluster IPC channel with `serialization: "advanced"` (structured clone: Uint8Array stays binary).

/** How a worker reaches one running plugin process: the primary's session of it. */
export interface PluginEndpoint {
  /** Changes whenever the primary's session changes (restart, reattach): the worker then opens new connections. */
  readonly sessionKey: string;
  readonly listen: ListenAddress;
  /** The AutoMTLS material of the primary's connection (the plugin trusts only that client certificate); undefined: plaintext. */
  readonly tls: MutualTls | undefined;
  /** The session's Describe answer (protobuf binary). */
  readonly description: Uint8Array;
}

/** One row of the plugin table as the primary pushes it. */
export interface PluginRecord {
  readonly pluginId: string;
  readonly manifest: Manifest;
  /** The operator wants it running: it has its chain step whatever its state (fail-closed rejects). */
  readonly wanted: boolean;
  /** Supervision state (`active`, `restarting`, `failed`...), for the step's error message. */
  readonly state: string;
  /** Its last Describe answer ever (protobuf binary), for chain membership while it is down. */
  readonly lastDescription: Uint8Array | undefined;
  /** Set while the primary holds a session (the plugin serves hooks); undefined: not active. */
  readonly endpoint: PluginEndpoint | undefined;
}

/** The whole plugin table and the operator's fail-mode overrides, pushed on every change. */
export interface PluginSnapshot {
  /** In the primary's table order. */
  readonly plugins: readonly PluginRecord[];
  readonly failModeOverrides: Readonly<Record<string, Readonly<Record<string, FailMode>>>>;
}

/** What a worker needs to serve the public port. */
export interface WorkerInit {
  /** 0-based slot number, for logs and status. */
  readonly index: number;
  readonly host: string;
  readonly port: number;
  /** This worker's share of the public limits (see divideLimits). */
  readonly limits: PublicLimits;
  /** This worker's share of the per-plugin in-flight bound. */
  readonly maxInFlightPerPlugin: number | undefined;
  readonly failurePolicy: FailurePolicyConfig | undefined;
  readonly tracing: TracingOptions | undefined;
  readonly logLevel: string;
  readonly version: string;
  /** The unary transport to plugins, as the gateway process resolved it. */
  readonly pluginTransport: PluginTransport;
}

/** Primary → worker. */
export type PrimaryMessage =
  | { readonly type: "init"; readonly init: WorkerInit }
  | { readonly type: "plugins"; readonly snapshot: PluginSnapshot }
  | { readonly type: "event"; readonly event: PublishedEvent }
  | { readonly type: "stop" };

/** A hook call that ran into its deadline, for the primary's supervisor of that session. */
export interface HookTimeoutReport {
  readonly pluginId: string;
  readonly sessionKey: string;
  readonly hook: string;
}

/** Finished hook calls of one plugin, hook and outcome since the last report (compact: one array of durations, not an object per call). */
export interface HookCallBatch {
  readonly pluginId: string;
  readonly hook: HookCall["hook"];
  readonly outcome: string;
  readonly durationsMs: Float64Array;
}

/** Worker → primary. */
export type WorkerMessage =
  /** The worker listens for messages (earlier ones would be lost): send init. */
  | { readonly type: "loaded" }
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "failed"; readonly message: string }
  /** Every `WORKER_REPORT_INTERVAL_MS`: finished hook calls (metrics, latency), sessions that answered in time, admission counters. */
  | {
      readonly type: "report";
      readonly calls: readonly HookCallBatch[];
      readonly answered: readonly { readonly pluginId: string; readonly sessionKey: string }[];
      readonly stats: PublicServerStats;
    }
  | { readonly type: "hook-timeout"; readonly report: HookTimeoutReport }
  /** One pino JSON line the worker logged: the primary writes it into its own logger. */
  | { readonly type: "log"; readonly line: string };

/** How often workers send their hook calls and counters to the primary (metrics lag by at most this much). */
export const WORKER_REPORT_INTERVAL_MS = 250;
