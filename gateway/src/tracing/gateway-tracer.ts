// The tracing contract the dispatcher uses. No OpenTelemetry import here: with tracing off
// (the default) the gateway never loads OpenTelemetry (see start-tracing.ts).

/** OpenTelemetry span kinds the gateway uses: its own request (server) and calls into plugins (client). */
export type TraceSpanKind = "server" | "client";

/** Span attributes: OpenTelemetry's primitive values. */
export type TraceAttributes = Readonly<Record<string, string | number | boolean>>;

/** A started span. */
export interface TraceSpan {
  /** The W3C traceparent naming this span: whatever runs inside it gets it (a plugin's HookContext.traceparent). */
  readonly traceparent: string;
  /** Ends the span, adding `attributes`; `error` marks it failed with that code and message. */
  end(attributes?: TraceAttributes, error?: { readonly code: string; readonly message: string }): void;
}

/** Attributes of a client span around one plugin call (OpenTelemetry's RPC conventions, plus the plugin id). */
export function pluginCallAttributes(method: string, pluginId: string): Record<string, string> {
  return {
    "rpc.system": "grpc",
    "rpc.service": "polyplug.v1.Plugin",
    "rpc.method": method,
    "polyplug.plugin_id": pluginId,
  };
}

/** Starts spans and exports them; the gateway holds one while tracing is configured. */
export interface GatewayTracer {
  /**
   * Starts a span. `parent` is a W3C traceparent (the caller's, or an enclosing span's);
   * undefined or invalid starts a new trace. Never throws.
   */
  startSpan(name: string, kind: TraceSpanKind, parent: string | undefined, attributes?: TraceAttributes): TraceSpan;
  /** Exports the spans still buffered and stops (bounded by the exporter's timeout). */
  shutdown(): Promise<void>;
}
