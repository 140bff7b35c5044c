// The public library surface of the gateway package, listed explicitly.
export { ErrorCode, PolyplugError, type ErrorDetails } from "./errors.js";
export {
  POLYPLUG_HANDSHAKE,
  POLYPLUG_MAGIC_COOKIE_KEY,
  POLYPLUG_MAGIC_COOKIE_VALUE,
  POLYPLUG_PROTOCOL_VERSIONS,
  type HandshakeConfig,
} from "@polyplug/sdk/internal/goplugin/handshake-config.js";
export { startPlugin, DEFAULT_START_TIMEOUT_MS, type StartPluginOptions } from "./host/start-plugin.js";
export { createPluginSandbox, type PluginSandbox, type PluginSandboxOptions } from "./host/sandbox/plugin-sandbox.js";
export { detectSandboxSupport, DEFAULT_SANDBOX_MODE, type SandboxMode, type SandboxSupport } from "./host/sandbox/sandbox-support.js";
export { resolveResourceLimits, DEFAULT_RESOURCE_LIMITS, type ResourceLimits, type ResourceLimitsRequest } from "./host/sandbox/resource-limits.js";
export { reattachPlugin, parseReattachConfig, type ReattachOptions } from "./host/reattach.js";
export type { PluginClient, ReattachConfig } from "./host/plugin-client.js";
export type { PluginBroker } from "./host/broker.js";
export { BROKER_WAIT_MS } from "./host/broker.js";
export { parseHandshakeLine, checkAppProtocolVersion, CORE_PROTOCOL_VERSION, type HandshakeLine, type PluginNetwork } from "@polyplug/sdk/internal/goplugin/handshake.js";
export { generateAutoMtlsCertificate, type CertificateKeyPair } from "@polyplug/sdk/internal/goplugin/mtls-certificate.js";
export type { MutualTls, ListenAddress } from "@polyplug/sdk/internal/goplugin/channel.js";
export type { HealthStatus } from "./host/health.js";
export type { ExitInfo } from "./host/launch.js";
export { DEFAULT_SHUTDOWN_TIMEOUTS, type ShutdownOutcome, type ShutdownTimeouts } from "./host/shutdown.js";
export { DEFAULT_LOG_RATE_LIMIT, type LogRateLimit } from "./host/plugin-log.js";
export { createLineClassifier, type ClassifiedLine, type PluginLogLevel } from "./host/hclog.js";
export { createRpcClient, type RpcClient, type RpcCallOptions, type BidiStream } from "@polyplug/sdk/internal/rpc/client.js";
export { addRpcService, type RpcHandlers, type RpcCallContext } from "@polyplug/sdk/internal/rpc/server.js";
export { RpcStatusError } from "@polyplug/sdk/internal/rpc/rpc-error.js";

// The gateway runtime.
export { createGateway, type Gateway, type GatewayOptions, type PluginListing } from "./runtime/gateway.js";
export { createLogTap, type LogTap, type LogRecord, type LogFilter } from "./runtime/log-tap.js";
export { readServeConfig, type ServeConfig } from "./runtime/serve-config.js";

// Metrics and the web console (the admin server mounts both).
export { createGatewayMetrics, type GatewayMetrics, type HookObservation, type MetricsSources } from "./metrics/gateway-metrics.js";
export { createMetricsRoute, METRICS_PATH } from "./metrics/metrics-route.js";
export { createConsoleRoutes, CONSOLE_PATH, type ConsoleRoutesOptions } from "./console/console-routes.js";
export type { PluginState, PluginStatus } from "./supervision/supervisor.js";
export { DEFAULT_SUPERVISION_POLICY, type SupervisionPolicy } from "./supervision/policy.js";
export type { Dispatcher, InterceptVerdict, NotifyReceipt, CommandResult, ChainStep, CallOptions } from "./dispatch/dispatcher.js";
export { parseManifest, readManifest, type Manifest } from "./registry/manifest.js";
export { validateConfiguration, type Setting } from "./registry/settings.js";
export { packBundle, readBundle, DEFAULT_BUNDLE_LIMITS, type BundleLimits, type PackBundleOptions, type PackedBundle, type ReadBundle, type ReadBundleOptions } from "./registry/bundle.js";
export { checkBundleSignature, signedMessage, signBundleDigest, writeBundleSignature, readSigningKey, type SignatureFile, type SignatureStatus } from "./registry/signature.js";
export { generateSigningKey, keyIdOf, loadTrustedKeys, parseTrustedKey, trustedKeysDir, type TrustedKey } from "./registry/signature-keys.js";
export { createScaffold, type Scaffold, type ScaffoldOptions } from "./scaffold/scaffold.js";
export { openSqliteStore } from "./store/sqlite-store.js";
export type { GatewayStore, KvStore, PluginStateStore } from "./store/store.js";
export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from "./store/pg-store.js";
export { openGatewayStore, type OpenGatewayStoreOptions } from "./store/open-store.js";
export type { BundleStore, StoredBundle, StoredTrustedKey, TrustedKeyStore } from "./store/store.js";
export { startPublicServer, type PublicServer, type PublicServerOptions } from "./surfaces/public-server.js";
export type { WebSocketHub } from "./surfaces/websocket-hub.js";
export type { EventPublisher, PublishedEvent, EventAudience } from "./plugin-api/events.js";
export { parseYamlStrict } from "./registry/yaml-text.js";
// Implemented by the conformance package for `polyplug conformance` (it depends on this package, not the reverse).
export type { ConformanceCliIo, ConformanceCliModule, ConformanceCliOptions } from "./cli/conformance-cli-contract.js";
