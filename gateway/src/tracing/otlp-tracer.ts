// The OpenTelemetry SDK behind GatewayTracer: spans batched (bounded queue) and exported
// over OTLP/HTTP. Only start-tracing.ts imports this file, lazily, when tracing is on.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { GatewayTracer, TraceSpanKind } from "./gateway-tracer.js";

/** Most spans waiting for export; more are dropped (OpenTelemetry counts them), never buffered without bound. */
export const MAX_QUEUED_SPANS = 2048;

/** Options of createOtlpTracer. */
export interface OtlpTracerOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly url: string;
  /** `service.name` of the spans. */
  readonly serviceName: string;
  /** `service.version` of the spans. */
  readonly serviceVersion: string;
  /** Milliseconds between exports. Default 1000. */
  readonly exportDelayMs?: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const KINDS: Record<TraceSpanKind, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT };

function parentContext(traceparent: string | undefined) {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match?.[1] || !match[2] || !match[3] || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** A GatewayTracer on OpenTelemetry's BasicTracerProvider, BatchSpanProcessor and OTLP/HTTP (JSON) exporter. */
export function createOtlpTracer(options: OtlpTracerOptions): GatewayTracer {
  const exporter = new OTLPTraceExporter({ url: options.url });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.serviceName,
      "service.version": options.serviceVersion,
    }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxQueueSize: MAX_QUEUED_SPANS,
        scheduledDelayMillis: options.exportDelayMs ?? 1000,
      }),
    ],
  });
  const tracer = provider.getTracer("polyplug", options.serviceVersion);
  return {
    startSpan(name, kind, parent, attributes) {
      const span = tracer.startSpan(
        name,
        { kind: KINDS[kind], ...(attributes ? { attributes } : {}) },
        parentContext(parent),
      );
      const { traceId, spanId, traceFlags } = span.spanContext();
      return {
        traceparent: `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`,
        end(more, error) {
          if (more) span.setAttributes(more);
          if (error) {
            span.setAttribute("polyplug.error_code", error.code);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.slice(0, 1024) });
          }
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
