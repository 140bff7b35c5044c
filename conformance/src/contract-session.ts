import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import type { PluginClient, RpcCallOptions, RpcClient, StartPluginOptions } from "polyplug/host";
import type { CaseSpec } from "./case-spec.js";
import type { HostSettings } from "./host-settings.js";
import { fail, show } from "./check-outcome.js";
import { LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import {
  Plugin,
  type ActivateResponse,
  type DescribeResponse,
  type InterceptResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { GatewayApiBackend, LoggedRecord, PublishedEvent } from "./gateway-api/gateway-api-backend.js";
import { registerGatewayApi, type ApiCall } from "./gateway-api/serve-gateway-api.js";

/** The plugin id every conformance plugin must use (conformance/README.md). */
export const CONFORMANCE_PLUGIN_ID = "com.polyplug.conformance";

/** Gateway facts sent in ActivateRequest.gateway. */
export const CONFORMANCE_GATEWAY = { version: "0.0.0-conformance", instanceId: "conformance-runner" } as const;

/** The HookContext fields the suite sends. */
export interface HookContextInit {
  requestId: string;
  pluginId: string;
  originPluginId?: string;
  traceparent?: string;
  tracestate?: string;
  metadata?: Record<string, string>;
}

/** Options of a contract session. */
export interface SessionOptions {
  /** Configuration sent in Activate (default {}). */
  readonly configuration?: JsonObject;
  /** Connect with AutoMTLS (the brokered GatewayAPI too); default: the case's `params.automtls`, else the run's `--automtls`. */
  readonly autoMtls?: boolean;
  /** Run Activate (default true). When false, Activate is left to the case. */
  readonly activate?: boolean;
}

/** A Polyplug plugin started, described and (normally) activated, as the gateway would. */
export interface ContractSession {
  readonly plugin: PluginClient;
  readonly rpc: RpcClient<typeof Plugin>;
  readonly backend: GatewayApiBackend;
  readonly description: DescribeResponse;
  /** The Activate answer (undefined when `activate: false`). */
  readonly activation: ActivateResponse | undefined;
  /** Broker id the GatewayAPI is served on. */
  readonly brokerId: number;
  /** When the GatewayAPI's ConnInfo was sent to the plugin (ms since the epoch). */
  readonly connInfoSentAt: number;
  /**
   * Closes every connection the plugin has open to the GatewayAPI (GOAWAY, then forcibly
   * after `graceMs`) while its listener stays: the plugin must redial the same address.
   */
  dropGatewayApiConnections(graceMs?: number): void;
  /** Every GatewayAPI call the plugin made, in order. */
  readonly apiCalls: ApiCall[];
  readonly logs: LoggedRecord[];
  readonly events: PublishedEvent[];
  /** ConfigurationChanged calls the session sent after SaveConfig, with their answers. */
  readonly configPushes: Array<Promise<unknown>>;
  /** A fresh HookContext (new request id) for the conformance plugin. */
  hookContext(overrides?: Partial<HookContextInit>): HookContextInit;
  /** Intercept on `topic`, with a fresh HookContext; rejects on a gRPC failure. */
  intercept(topic: string, payload: JsonObject, options?: RpcCallOptions): Promise<InterceptResponse>;
  /** Runs Deactivate (if activated) and shuts the plugin down. Idempotent. */
  close(): Promise<void>;
}

/** Opens a session: startPlugin, Describe, GatewayAPI on a broker id, Activate. */
/** The part of a CheckContext a session uses (declared here so this file does not import check-context.ts, which imports it). */
export interface SessionHost {
  readonly spec: CaseSpec;
  readonly settings: HostSettings;
  trace(step: string, detail?: unknown): void;
  start(options?: Partial<StartPluginOptions>): Promise<PluginClient>;
}

export async function openContractSession(
  params: SessionOptions & { context: SessionHost; backend: GatewayApiBackend },
): Promise<ContractSession> {
  const { context, backend } = params;
  // AutoMTLS: as the session asks, else as the case (params.automtls) or the whole run (--automtls) asks.
  const plugin = await context.start({
    autoMtls: params.autoMtls ?? (context.spec.params.automtls === true || context.settings.autoMtls),
  });
  const rpc = plugin.client(Plugin);
  const apiCalls: ApiCall[] = [];
  const logs: LoggedRecord[] = [];
  const events: PublishedEvent[] = [];
  const configPushes: Array<Promise<unknown>> = [];
  const hookContext = (overrides: Partial<HookContextInit> = {}): HookContextInit => ({
    requestId: `req-${randomUUID()}`,
    pluginId: CONFORMANCE_PLUGIN_ID,
    ...overrides,
  });
  const description = await rpc.describe({ context: hookContext() }, { deadline: 10_000 });
  context.trace("Describe", description);
  if (description.pluginId !== CONFORMANCE_PLUGIN_ID)
    fail(
      `Describe answered plugin_id ${show(description.pluginId)}; a conformance plugin must use ${show(CONFORMANCE_PLUGIN_ID)}`,
    );
  const brokerId = plugin.broker.nextId();
  let apiServer: grpc.Server | undefined;
  const apiAddress = await plugin.broker.acceptAndServe(brokerId, (server) => {
    apiServer = server;
    return registerGatewayApi(server, {
      backend,
      namespace: CONFORMANCE_PLUGIN_ID,
      onCall: (call) => {
        apiCalls.push(call);
        context.trace(`plugin called GatewayAPI.${call.method} → ${call.status}`, call.request);
        if (call.status !== "OK") return;
        const request = call.request as Record<string, unknown>;
        if (call.method === "Log")
          logs.push({
            level: LogLevel[Number(request.level)] ?? "UNSPECIFIED",
            message: String(request.message),
            fields: (request.fields ?? {}) as JsonObject,
            requestId: String(request.requestId),
          });
        if (call.method === "PublishEvent")
          events.push({
            event: String(request.event),
            payload: (request.payload ?? {}) as JsonObject,
            audience: request.audience as PublishedEvent["audience"],
          });
      },
      onConfigSaved: (configuration) => {
        const push = rpc.configurationChanged(
          { context: hookContext({ originPluginId: CONFORMANCE_PLUGIN_ID }), configuration },
          { deadline: 10_000 },
        );
        push.catch(() => undefined);
        configPushes.push(push);
      },
    });
  });
  const connInfoSentAt = Date.now();
  let activation: ActivateResponse | undefined;
  let activated = false;
  if (params.activate ?? true) {
    const request = {
      context: hookContext(),
      configuration: params.configuration ?? {},
      gatewayApiBrokerId: brokerId,
      gateway: CONFORMANCE_GATEWAY,
    };
    context.trace("Activate →", request);
    activation = await rpc.activate(request, { deadline: 30_000 });
    context.trace("Activate ←", activation);
    activated = activation.error === undefined;
  }
  let closing: Promise<void> | undefined;
  return {
    plugin,
    rpc,
    backend,
    description,
    activation,
    brokerId,
    connInfoSentAt,
    dropGatewayApiConnections(graceMs = 200) {
      context.trace("closing every GatewayAPI connection (the listener stays)", { address: apiAddress });
      apiServer?.drain(`unix://${apiAddress}`, graceMs);
    },
    apiCalls,
    logs,
    events,
    configPushes,
    hookContext,
    async intercept(topic, payload, options = {}) {
      const request = { context: hookContext(), topic, payload };
      context.trace(`Intercept ${topic} →`, payload);
      const response = await rpc.intercept(request, { deadline: 10_000, ...options });
      context.trace(`Intercept ${topic} ←`, response);
      return response;
    },
    close() {
      closing ??= (async () => {
        if (activated) await rpc.deactivate({ context: hookContext() }, { deadline: 5000 }).catch(() => undefined);
        await plugin.shutdown({ gracefulMs: 1000, terminateMs: 500 });
      })();
      return closing;
    },
  };
}
