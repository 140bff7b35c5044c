// `polyplug/host`: the go-plugin host core, usable on its own with any go-plugin gRPC plugin:
// start or reattach a plugin process, its handshake, AutoMTLS, sandbox, logs, shutdown, and
// the typed gRPC client/server it talks over. Errors are `polyplug`'s PolyplugError.
export {
  POLYPLUG_HANDSHAKE,
  POLYPLUG_MAGIC_COOKIE_KEY,
  POLYPLUG_MAGIC_COOKIE_VALUE,
  POLYPLUG_PROTOCOL_VERSIONS,
  type HandshakeConfig,
} from "@polyplug/sdk/internal/goplugin/handshake-config.js";
export { startPlugin, DEFAULT_START_TIMEOUT_MS, type StartPluginOptions } from "../host/start-plugin.js";
export { createPluginSandbox, type PluginSandbox, type PluginSandboxOptions } from "../host/sandbox/plugin-sandbox.js";
export {
  detectSandboxSupport,
  DEFAULT_SANDBOX_MODE,
  type SandboxMode,
  type SandboxSupport,
} from "../host/sandbox/sandbox-support.js";
export {
  resolveResourceLimits,
  DEFAULT_RESOURCE_LIMITS,
  type ResourceLimits,
  type ResourceLimitsRequest,
} from "../host/sandbox/resource-limits.js";
export { reattachPlugin, parseReattachConfig, type ReattachOptions } from "../host/reattach.js";
export type { PluginClient, ReattachConfig } from "../host/plugin-client.js";
export type { PluginBroker } from "@polyplug/sdk/internal/goplugin/host-broker.js";
export { BROKER_WAIT_MS } from "@polyplug/sdk/internal/goplugin/broker.js";
export {
  parseHandshakeLine,
  checkAppProtocolVersion,
  CORE_PROTOCOL_VERSION,
  type HandshakeLine,
  type PluginNetwork,
} from "@polyplug/sdk/internal/goplugin/handshake.js";
export {
  generateAutoMtlsCertificate,
  type CertificateKeyPair,
} from "@polyplug/sdk/internal/goplugin/mtls-certificate.js";
export type { MutualTls, ListenAddress } from "@polyplug/sdk/internal/rpc/endpoint.js";
export type { HealthStatus } from "../host/health.js";
export type { ExitInfo } from "../host/launch.js";
export { DEFAULT_SHUTDOWN_TIMEOUTS, type ShutdownOutcome, type ShutdownTimeouts } from "../host/shutdown.js";
export { DEFAULT_LOG_RATE_LIMIT, type LogRateLimit } from "../host/plugin-log.js";
export { createLineClassifier, type ClassifiedLine, type PluginLogLevel } from "../host/hclog.js";
export {
  createRpcClient,
  type RpcClient,
  type RpcCallOptions,
  type BidiStream,
} from "@polyplug/sdk/internal/rpc/client.js";
export { addRpcService, type RpcHandlers, type RpcCallContext } from "@polyplug/sdk/internal/rpc/server.js";
export { RpcStatusError } from "@polyplug/sdk/internal/rpc/rpc-error.js";
