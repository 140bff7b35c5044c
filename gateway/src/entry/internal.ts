// `polyplug/internal`: parts the gateway assembles itself, exported for its own tools (bench,
// CLI, tests) and for the adventurous. No stability promise: names and shapes here may change
// in any release. Applications use createGateway from `polyplug`.
export {
  createGatewayMetrics,
  type GatewayMetrics,
  type HookObservation,
  type MetricsSources,
} from "../metrics/gateway-metrics.js";
export { createMetricsRoute, METRICS_PATH } from "../metrics/metrics-route.js";
export { createConsoleRoutes, CONSOLE_PATH, type ConsoleRoutesOptions } from "../console/console-routes.js";
export { createScaffold, type Scaffold, type ScaffoldOptions } from "../scaffold/scaffold.js";
export { startPublicServer, type PublicServer, type PublicServerOptions } from "../surfaces/public-server.js";
export type { WebSocketHub } from "../surfaces/websocket-hub.js";
