import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseYamlStrict as parseYaml } from "./yaml-text.js";
import { z } from "zod";
import { ErrorCode, PolyplugError } from "../errors.js";
import { TOPIC_PATTERN } from "@polyplug/sdk/internal/topics.js";
import { PLUGIN_ID_PATTERN, TOPIC_NAME_RULE } from "@polyplug/sdk/internal/contract/names.js";
import { settingSchema } from "./settings.js";

/** Manifest file names looked for in a plugin folder, in this order. */
export const MANIFEST_FILES = ["plugin.json", "plugin.yaml", "plugin.yml"] as const;

/** Default per-call limit for hooks when the manifest names none. */
export const DEFAULT_HOOK_TIMEOUT_MS = { intercept: 5000, notify: 30_000, http: 60_000, command: 30_000 } as const;
/** Default intercept priority: lower runs earlier; ties are broken by plugin id. */
export const DEFAULT_PRIORITY = 100;

const semver = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, "must be a semantic version like 1.2.3");
const topic = z.string().regex(TOPIC_PATTERN, `a topic is an exact topic ${TOPIC_NAME_RULE}, "prefix.*" or "*" alone`);
const timeoutMs = z.number().int().min(1).max(600_000);

const interceptSubscription = z
  .object({
    topic,
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(DEFAULT_PRIORITY),
    timeoutMs: timeoutMs.default(DEFAULT_HOOK_TIMEOUT_MS.intercept),
    onFailure: z.enum(["open", "closed"]).default("open"),
  })
  .strict();

const notifySubscription = z.object({ topic, timeoutMs: timeoutMs.default(DEFAULT_HOOK_TIMEOUT_MS.notify) }).strict();

const osArch = z.string().regex(/^[a-z0-9]+-[a-z0-9]+$/, "keys are os-arch like linux-amd64");
const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."),
    "must be a path inside the plugin folder (relative, no ..)",
  );

/**
 * GatewayAPI capabilities a plugin may ask for: `log` (Log), `config` (GetConfig/SaveConfig of
 * its own configuration), `kv` (its own KV namespace), `events` (PublishEvent), `cluster`
 * (messages to its own copies on other gateway nodes).
 */
export const API_CAPABILITIES = ["log", "config", "kv", "events", "cluster"] as const;
/** A GatewayAPI capability named in `permissions.api`. */
export type ApiCapability = (typeof API_CAPABILITIES)[number];
/** What a manifest without `permissions.api` is granted: logging and its own configuration. */
export const DEFAULT_API_CAPABILITIES: readonly ApiCapability[] = ["log", "config"];

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."), "must be an absolute path without ..");

/** Resource limits a plugin asks for; the operator may lower or raise them. Absent = the gateway's defaults. */
export const resourceLimitsSchema = z
  .object({
    /** Memory (RSS + page cache charged to the plugin), MiB. */
    memoryMiB: z.number().int().min(16).max(1_048_576).optional(),
    /** CPU as a percentage of one core (100 = one core, 200 = two). */
    cpuPercent: z.number().int().min(1).max(102_400).optional(),
    /** Processes and threads the plugin may have at once. */
    processes: z.number().int().min(1).max(1_000_000).optional(),
    /** Open file descriptors per process. */
    openFiles: z.number().int().min(16).max(1_048_576).optional(),
  })
  .strict();
/** Resource limits, from a manifest or the operator's configuration. */
export type ResourceLimits = z.infer<typeof resourceLimitsSchema>;

/**
 * What a plugin asks to be allowed; shown to the operator at install, who approves it. The
 * gateway enforces it: GatewayAPI calls outside `api` answer PERMISSION_DENIED, the sandbox
 * gives the network only with `network: "host"` and mounts `readPaths` read-only.
 */
export const permissionsSchema = z
  .object({
    api: z.array(z.enum(API_CAPABILITIES)).default([...DEFAULT_API_CAPABILITIES]),
    network: z.enum(["none", "host"]).default("none"),
    readPaths: z.array(absolutePath).max(64).default([]),
    limits: resourceLimitsSchema.default({}),
  })
  .strict();
/** Validated permissions (defaults filled in). */
export type Permissions = z.infer<typeof permissionsSchema>;

/** The schema of `plugin.json` / `plugin.yaml`. */
export const manifestSchema = z
  .object({
    id: z.string().regex(PLUGIN_ID_PATTERN, "3–190 characters of letters, digits, '.', '_' or '-'"),
    name: z.string().min(1).max(200),
    version: semver,
    description: z.string().max(4000).optional(),
    minGatewayVersion: semver.optional(),
    /** Executables per os-arch (Node's process.platform-process.arch names, plus Go's amd64). */
    executables: z.record(osArch, relativePath).optional(),
    /** Or a command line for interpreted plugins; relative paths are resolved against the plugin folder. */
    command: z.array(z.string().min(1)).min(1).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
    hooks: z
      .object({
        intercept: z.array(interceptSubscription).default([]),
        notify: z.array(notifySubscription).default([]),
        httpTimeoutMs: timeoutMs.default(DEFAULT_HOOK_TIMEOUT_MS.http),
        commandTimeoutMs: timeoutMs.default(DEFAULT_HOOK_TIMEOUT_MS.command),
      })
      .strict()
      .default({
        intercept: [],
        notify: [],
        httpTimeoutMs: DEFAULT_HOOK_TIMEOUT_MS.http,
        commandTimeoutMs: DEFAULT_HOOK_TIMEOUT_MS.command,
      }),
    settings: z.array(settingSchema).default([]),
    /**
     * A web bundle for the console: an ES module (inside a sub-folder, e.g. `webapp/main.js`)
     * exporting `register(registry)`. The console serves only the files of that sub-folder.
     */
    webapp: z
      .object({
        bundle: relativePath.refine(
          (p) => /[\\/]/.test(p) && /\.m?js$/.test(p),
          "must be a .js or .mjs file inside a sub-folder of the plugin, e.g. webapp/main.js",
        ),
      })
      .strict()
      .optional(),
    /** What the plugin may use (GatewayAPI capabilities, network, extra read-only paths, resource limits). */
    permissions: permissionsSchema.default({
      api: [...DEFAULT_API_CAPABILITIES],
      network: "none",
      readPaths: [],
      limits: {},
    }),
    /** Free-form extra data for the plugin's own use. */
    props: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    if (!manifest.executables === !manifest.command) {
      ctx.addIssue({
        code: "custom",
        path: ["command"],
        message: "give exactly one of `executables` (per os-arch) or `command`",
      });
    }
    const keys = new Set<string>();
    manifest.settings.forEach((setting, index) => {
      if (keys.has(setting.key))
        ctx.addIssue({
          code: "custom",
          path: ["settings", index, "key"],
          message: `duplicate setting key ${JSON.stringify(setting.key)}`,
        });
      keys.add(setting.key);
    });
  });

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

function describeIssues(file: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
      return `${file}: field ${field}: ${issue.message}`;
    })
    .join("\n");
}

/** Parses and validates manifest text; errors name the file, the field and what was expected. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success)
    throw new PolyplugError(ErrorCode.InvalidArgument, describeIssues(file, result.error), { details: { file } });
  return result.data;
}

/** Reads the manifest of a plugin folder (the first of MANIFEST_FILES that exists). */
export async function readManifest(dir: string): Promise<{ manifest: Manifest; file: string }> {
  for (const name of MANIFEST_FILES) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    return { manifest: parseManifest(text, file), file };
  }
  throw new PolyplugError(ErrorCode.NotFound, `${dir}: no manifest (${MANIFEST_FILES.join(", ")})`);
}

/** Go's names for Node's architectures, as used in `executables` keys. */
const goArch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };

/** The os-arch key of this machine, e.g. `linux-amd64`. */
export function currentPlatformKey(): string {
  return `${process.platform}-${goArch[process.arch] ?? process.arch}`;
}

/** How to run a plugin: the resolved executable and arguments. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: string[];
}

/**
 * Resolves how to start the plugin in `dir` on this machine. `interpreters` maps names
 * like `python` to the executable the gateway should use for them (e.g. a venv's python).
 */
export function resolveLaunchCommand(
  manifest: Manifest,
  dir: string,
  interpreters: Readonly<Record<string, string>> = {},
): LaunchCommand {
  if (manifest.executables) {
    const key = currentPlatformKey();
    const executable = manifest.executables[key];
    if (!executable) {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `plugin ${manifest.id} has no executable for ${key} (it has: ${Object.keys(manifest.executables).join(", ")})`,
      );
    }
    return { command: path.join(dir, executable), args: [] };
  }
  const [first = "", ...rest] = manifest.command ?? [];
  const resolveArg = (arg: string) =>
    !path.isAbsolute(arg) && /[\\/]|\.[a-z]+$/.test(arg) ? path.join(dir, arg) : arg;
  const command = interpreters[first] ?? (first.includes("/") ? path.resolve(dir, first) : first);
  return { command, args: rest.map(resolveArg) };
}

function versionParts(version: string): number[] {
  return version.split(/[-+]/)[0]?.split(".").map(Number) ?? [];
}

/** Throws `failed_precondition` when the manifest needs a newer gateway than `gatewayVersion`. */
export function checkGatewayVersion(manifest: Manifest, gatewayVersion: string): void {
  if (!manifest.minGatewayVersion) return;
  const need = versionParts(manifest.minGatewayVersion);
  const have = versionParts(gatewayVersion);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a > b) return;
    if (a < b) {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `plugin ${manifest.id} needs gateway ${manifest.minGatewayVersion} or newer; this gateway is ${gatewayVersion}`,
      );
    }
  }
}
