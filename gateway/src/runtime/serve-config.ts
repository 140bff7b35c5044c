import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseYamlStrict as parseYaml } from "../registry/yaml-text.js";
import { z } from "zod";
import { ErrorCode, PolyplugError } from "../errors.js";
import { TOPIC_PATTERN } from "@polyplug/sdk/internal/topics.js";

const failMode = z.enum(["open", "closed"]);
import { SIGNATURE_POLICIES } from "../registry/signature.js";
import { resourceLimitsSchema } from "../registry/manifest.js";
import { supervisionPolicySchema } from "../supervision/policy.js";
import { publicLimitsSchema } from "../surfaces/public-limits.js";
import { PLUGIN_TRANSPORTS } from "../rpc/plugin-transport.js";

/** The `polyplug serve` configuration file (YAML or JSON); every field optional. */
export const serveConfigSchema = z
  .object({
    /** host:port of the public API, HTTP routes and WebSocket (default 127.0.0.1:8080). */
    listen: z
      .string()
      .regex(/^[^:\s]*:\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:8080")
      .optional(),
    /** host:port of the Admin API (default 127.0.0.1:8081; keep it on loopback). */
    adminListen: z
      .string()
      .regex(/^[^:\s]*:\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:8081")
      .optional(),
    /** Plugin folders, each holding one folder per plugin (relative to the config file). Default `["plugins"]` (from the working directory). */
    pluginsDirs: z.array(z.string().min(1)).optional(),
    /** State folder: SQLite database, admin token etc. (relative to the config file; created with mode 0700). Default `.polyplug` (in the working directory). */
    dataDir: z.string().min(1).optional(),
    /** `postgres://user:password@host:port/db`: share state with the other gateways of a cluster (default: SQLite in dataDir). */
    database: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres://user:password@host:port/dbname URL")
      .optional(),
    /** This gateway's node id in a cluster (default: a random id per start). */
    nodeId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1..64 letters, digits, '.', '_' or '-'")
      .optional(),
    /** Gateway and plugin log level (pino). Default `info`. */
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional(),
    /** `auto` (pretty on a terminal, JSON otherwise; the default), `pretty` or `json`. */
    logFormat: z.enum(["auto", "pretty", "json"]).optional(),
    /** AutoMTLS between the gateway and its plugins (go-plugin's: fresh certificates per start, each side trusts only the other's). Default true. */
    autoMtls: z.boolean().optional(),
    /** Client for unary calls to plugins: `h2` (default, Polyplug's own HTTP/2 client) or `node-http2` (the node:http2 fallback); $POLYPLUG_PLUGIN_TRANSPORT when unset. */
    pluginTransport: z.enum(PLUGIN_TRANSPORTS).optional(),
    /** Interpreter executables for manifests' `command`, e.g. { python: ".venv/bin/python" } (a path with `/` is relative to the config file). Default: none, names are looked up on PATH. */
    interpreters: z.record(z.string(), z.string()).optional(),
    /** Signature policy for bundle installs: require (default), warn or off (see registry/signature.ts). */
    signatures: z.enum(SIGNATURE_POLICIES).optional(),
    /** Overrides of the supervision numbers: any SupervisionPolicy field (supervision/policy.ts lists them with defaults, units and bounds). */
    policy: supervisionPolicySchema.partial().strict().optional(),
    /**
     * The operator's fail modes (see README "Fail-closed"): `default` for every plugin and
     * topic not named, `plugins: { "<pluginId>": "closed" | { "<topic or pattern>": "closed" } }`.
     * Unset: each manifest's `onFailure` suggestion.
     */
    failurePolicy: z
      .object({
        default: failMode.optional(),
        plugins: z
          .record(
            z.string().min(1),
            z.union([failMode, z.record(z.string().regex(TOPIC_PATTERN, 'a topic, "prefix.*" or "*"'), failMode)]),
          )
          .optional(),
      })
      .strict()
      .optional(),
    /** Bound on the graceful stop after SIGTERM/SIGINT. Default 10 000 ms; at least 1. Past it plugins are SIGKILLed and the gateway exits. */
    shutdownTimeoutMs: z.number().int().positive().optional(),
    /** Most intercept and command calls in flight to one plugin. Default 64; at least 1. Past it the step fails with resource_exhausted. */
    maxInFlightPerPlugin: z.number().int().positive().optional(),
    /** The public server's admission limits: any PublicLimits field (surfaces/public-limits.ts lists them with defaults, units and bounds; README "Limits and load shedding"). */
    limits: publicLimitsSchema.partial().strict().optional(),
    /** OpenTelemetry span export over OTLP/HTTP; off unless an endpoint is set here or in OTEL_EXPORTER_OTLP_ENDPOINT. */
    tracing: z
      .object({
        otlpEndpoint: z.string().url("must be a URL such as http://127.0.0.1:4318").optional(),
        serviceName: z.string().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
    /** Plugin sandbox: `required` (default: refuse plugins where no sandbox is available), `auto`, `off`. */
    sandbox: z
      .object({ mode: z.enum(["required", "auto", "off"]).optional() })
      .strict()
      .optional(),
    /** Processes serving the public port, each with its own plugin connections (default 1: the gateway process itself; see README "Workers"). */
    workers: z.number().int().min(1).max(256).optional(),
    /** Operator's resource limits: `default` for every plugin and/or per plugin id; they override the manifest's. */
    pluginLimits: z
      .record(z.string().regex(/^[a-zA-Z0-9._-]{3,190}$/, 'a plugin id or "default"'), resourceLimitsSchema)
      .optional(),
  })
  .strict();

/** A parsed serve configuration, paths made absolute. */
export type ServeConfig = z.infer<typeof serveConfigSchema>;

/** Reads and validates a serve config file; errors name the file and the field. */
export async function readServeConfig(file: string): Promise<ServeConfig> {
  let raw: unknown;
  try {
    const text = await readFile(file, "utf8");
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `cannot read the config file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const parsed = serveConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${file}: field ${issue.path.join(".") || "(top level)"}: ${issue.message}`,
    );
    throw new PolyplugError(ErrorCode.InvalidArgument, lines.join("\n"));
  }
  const base = path.dirname(path.resolve(file));
  const config = parsed.data;
  return {
    ...config,
    ...(config.pluginsDirs ? { pluginsDirs: config.pluginsDirs.map((dir) => path.resolve(base, dir)) } : {}),
    ...(config.dataDir ? { dataDir: path.resolve(base, config.dataDir) } : {}),
    ...(config.interpreters
      ? {
          interpreters: Object.fromEntries(
            Object.entries(config.interpreters).map(([k, v]) => [k, v.includes("/") ? path.resolve(base, v) : v]),
          ),
        }
      : {}),
  };
}
