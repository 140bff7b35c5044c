// The TypeScript plugin SDK: `import { definePlugin, serve } from "@polyplug/sdk"`.
// This import must stay first: it guards stdout before any other module can print to it.
import "./goplugin/install-guard.js";

export {
  definePlugin,
  type Plugin,
  type PluginDefinition,
  type ActivateContext,
  type InterceptContext,
  type InterceptHandler,
  type InterceptOutcome,
  type NotifyContext,
  type NotifyHandler,
  type CommandContext,
  type CommandDefinition,
  type CommandResult,
  type HttpRouteDefinition,
  type ClusterMessage,
} from "./define-plugin.js";
export { serve, type ServeOptions } from "./serve.js";
export type { HookContext } from "./hook-context.js";
export type { HttpRequest, HttpResponse, HttpHeaderInit, HttpHeaderField } from "./http.js";
export {
  DEFAULT_API_TIMEOUT_MS,
  type GatewayApi,
  type KvApi,
  type KvEntry,
  type KvSetOptions,
  type KvSetResult,
  type KvPage,
  type Audience,
} from "./gateway-api.js";
export {
  createLogger,
  hclogTimestamp,
  type Logger,
  type LoggerOptions,
  type LogFields,
  type LogLevelName,
} from "./logger.js";
export { PluginError, errorCodeFromGrpcStatus } from "./plugin-error.js";
// For plugin authors `ErrorCode` is the contract code (proto enum; `ContractCode` inside the repository).
export { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
export { LIMITS } from "./contract/limits.js";
export { SDK_NAME, SDK_VERSION } from "./version.js";
export { describePlugin } from "./describe.js";
export { serveGoPlugin, type ServeGoPluginOptions, type GoPluginServer } from "./goplugin/serve-go-plugin.js";
export type { PluginSideBroker } from "./goplugin/plugin-broker.js";
export type { JsonObject, JsonValue } from "@bufbuild/protobuf";
