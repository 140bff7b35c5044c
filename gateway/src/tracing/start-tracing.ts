import type { GatewayTracer } from "./gateway-tracer.js";

/** The `tracing:` block of the serve config. */
export interface TracingOptions {
  /**
   * OTLP/HTTP endpoint: a base URL (`http://127.0.0.1:4318`, `/v1/traces` is added) or the
   * full traces URL. Default: the OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
   * OTEL_EXPORTER_OTLP_ENDPOINT environment variable; none of them: tracing is off.
   */
  readonly otlpEndpoint?: string | undefined;
  /** `service.name` of the spans. Default: OTEL_SERVICE_NAME, else `polyplug-gateway`. */
  readonly serviceName?: string | undefined;
}

/** Where spans go, or undefined when tracing is off. Pure: `env` is passed in. */
export function resolveTracesUrl(
  options: TracingOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (options?.otlpEndpoint) return tracesUrl(options.otlpEndpoint);
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return undefined;
}

function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, "");
  return base.endsWith("/v1/traces") ? base : `${base}/v1/traces`;
}

/**
 * Starts span export when an endpoint is configured (options or environment); undefined
 * otherwise. OpenTelemetry is imported here, lazily: a gateway without tracing never loads it.
 */
export async function startTracing(
  options: TracingOptions | undefined,
  serviceVersion: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ tracer: GatewayTracer; url: string } | undefined> {
  const url = resolveTracesUrl(options, env);
  if (!url) return undefined;
  const { createOtlpTracer } = await import("./otlp-tracer.js");
  const serviceName = options?.serviceName ?? env.OTEL_SERVICE_NAME ?? "polyplug-gateway";
  return { tracer: createOtlpTracer({ url, serviceName, serviceVersion }), url };
}
