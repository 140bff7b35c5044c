// The public library surface of the gateway package (`polyplug`): what an application that
// embeds the gateway imports. Libraries built on the gateway's parts import the subpaths:
// `polyplug/host` (the go-plugin host core), `polyplug/registry` (manifests, bundles,
// signatures), `polyplug/store` (storage engines) and `polyplug/internal` (metrics, console,
// scaffolding, the public server on its own: no stability promise). Plugins import
// `@polyplug/sdk` (`polyplug/sdk` re-exports it for plugins written before it existed).
export { ErrorCode, PolyplugError, type ErrorDetails } from "./errors.js";

// The gateway runtime.
export { createGateway, type Gateway, type GatewayOptions, type PluginListing } from "./runtime/gateway.js";
export { createLogTap, type LogTap, type LogRecord, type LogFilter } from "./runtime/log-tap.js";
export { readServeConfig, type ServeConfig } from "./runtime/serve-config.js";
export type { PluginState, PluginStatus } from "./supervision/supervisor.js";
export { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from "./supervision/policy.js";
export type {
  Dispatcher,
  InterceptVerdict,
  NotifyReceipt,
  CommandResult,
  ChainStep,
  CallOptions,
} from "./dispatch/dispatcher.js";
export type { EventPublisher, PublishedEvent, EventAudience } from "./plugin-api/events.js";

// Types of GatewayOptions fields whose values come from the subpaths.
export type { ReattachConfig } from "./host/plugin-client.js";
export type { SandboxMode } from "./host/sandbox/sandbox-support.js";
export type { ResourceLimitsRequest } from "./host/sandbox/resource-limits.js";
export type { GatewayStore } from "./store/store.js";
export { DEFAULT_PUBLIC_LIMITS, type PublicLimits, type PublicLimitsInit } from "./surfaces/public-limits.js";
export type { FailMode, FailurePolicyConfig } from "./dispatch/failure-policy.js";
export type { ClusterTiming } from "./runtime/cluster-node.js";
export type { TracingOptions } from "./tracing/start-tracing.js";
// Implemented by the conformance package for `polyplug conformance` (it depends on this package, not the reverse).
export type { ConformanceCliIo, ConformanceCliModule, ConformanceCliOptions } from "./cli/conformance-cli-contract.js";
