import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { buildPlugin } from "../devloop/plugin-build.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { readManifest, type Manifest } from "../registry/manifest.js";
import { createGateway, type Gateway } from "../runtime/gateway.js";
import { createLogTap, type LogRecord } from "../runtime/log-tap.js";
import type { CheckReport, CheckResult } from "./check-report.js";
import { checkCommand, checkHttpRoute, checkIntercept, checkNotify, type HookCheckContext } from "./hook-checks.js";
import { topicFor } from "./generated-inputs.js";

/** Options of `checkPlugin`. */
export interface CheckOptions {
  /** Seed of the generated inputs (default: a random one, reported so it can be replayed). */
  readonly seed?: number;
  /** Generated inputs per hook (default 50). */
  readonly runs?: number;
  /** Build the plugin first (go build / npm run build; default true). */
  readonly build?: boolean;
  /** Interpreters for the manifest's `command`, e.g. { python: ".venv/bin/python" }. */
  readonly interpreters?: Readonly<Record<string, string>>;
  /** Called as each check finishes, for progress output. */
  readonly onResult?: (result: CheckResult) => void;
}

/** Default number of generated inputs per hook. */
export const DEFAULT_CHECK_RUNS = 50;

/**
 * Checks a plugin author's plugin from its folder: the manifest is valid, it builds, it starts
 * and activates with its default settings, its Describe agrees with the manifest, and every
 * declared hook answers generated inputs (seeded, bounded, shrunk on failure) without a crash,
 * a timeout, a failure outcome or output on stdout. Runs the plugin in a private gateway.
 */
export async function checkPlugin(dir: string, options: CheckOptions = {}): Promise<CheckReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const runs = options.runs ?? DEFAULT_CHECK_RUNS;
  const checks: CheckResult[] = [];
  const record = (result: CheckResult) => {
    checks.push(result);
    options.onResult?.(result);
  };
  const step = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    const started = performance.now();
    try {
      record({ name, ok: true, detail: await run(), durationMs: performance.now() - started });
      return true;
    } catch (error) {
      record({ name, ok: false, detail: PolyplugError.from(error).message, durationMs: performance.now() - started });
      return false;
    }
  };
  const report = (pluginId: string | undefined): CheckReport => ({
    pluginId,
    dir,
    seed,
    runs,
    checks,
    ok: checks.every((c) => c.ok),
  });

  const manifestStarted = performance.now();
  let plugin: Manifest;
  try {
    const loaded = await readManifest(dir);
    plugin = loaded.manifest;
    record({
      name: "manifest",
      ok: true,
      detail: `${path.basename(loaded.file)} is valid`,
      durationMs: performance.now() - manifestStarted,
    });
  } catch (error) {
    record({
      name: "manifest",
      ok: false,
      detail: PolyplugError.from(error).message,
      durationMs: performance.now() - manifestStarted,
    });
    return report(undefined);
  }
  if (options.build !== false && !(await step("build", async () => describeBuild(await buildPlugin(dir, plugin)))))
    return report(plugin.id);

  const dataDir = await mkdtemp(path.join(tmpdir(), "polyplug-check-"));
  const logTap = createLogTap();
  const startedAt = Date.now();
  let gateway: Gateway | undefined;
  try {
    const started = await step("start and activate", async () => {
      gateway = await createGateway({
        pluginsDirs: [dir],
        dataDir,
        port: 0,
        policy: { restartBaseMs: 100, restartMaxMs: 1000 },
        logger: pino({ level: "debug" }, logTap.stream),
        logTap,
        ...(options.interpreters ? { interpreters: options.interpreters } : {}),
      });
      const status = gateway.plugin(plugin.id);
      if (status.state !== "active")
        throw new PolyplugError(
          ErrorCode.PluginFailed,
          `the plugin is ${status.state}: ${status.lastError?.message ?? "no error recorded"}`,
        );
      return `active with the default settings (pid ${status.pid ?? "?"})`;
    });
    if (!started || !gateway) return report(plugin.id);
    const running: Gateway = gateway;
    const description = running.dispatcher.plugins.get(plugin.id)?.session.description;
    const describeOk = await step("Describe agrees with the manifest", async () => {
      if (!description) throw new Error("no Describe answer (the plugin is not active)");
      const missing = [
        ...plugin.hooks.intercept
          .filter((h) => !description.interceptTopics.includes(h.topic))
          .map((h) => `intercept ${h.topic}`),
        ...plugin.hooks.notify
          .filter((h) => !description.notifyTopics.includes(h.topic))
          .map((h) => `notify ${h.topic}`),
      ];
      const undeclared = [
        ...description.interceptTopics
          .filter((t) => !plugin.hooks.intercept.some((h) => h.topic === t))
          .map((t) => `intercept ${t}`),
        ...description.notifyTopics
          .filter((t) => !plugin.hooks.notify.some((h) => h.topic === t))
          .map((t) => `notify ${t}`),
      ];
      const problems = [
        ...(missing.length
          ? [`the manifest subscribes to ${missing.join(", ")} but Describe does not list it (it is never called)`]
          : []),
        ...(undeclared.length
          ? [`Describe lists ${undeclared.join(", ")} but the manifest does not subscribe to it (it is never called)`]
          : []),
      ];
      if (problems.length) throw new Error(problems.join("; "));
      const commands = description.commands.map((c) => `/${c.name}`);
      const routes = description.httpRoutes.map((r) => `${r.method} ${r.pathPrefix}`);
      return [
        `${plugin.hooks.intercept.length} intercept, ${plugin.hooks.notify.length} notify topics`,
        ...(commands.length ? [`commands ${commands.join(" ")}`] : []),
        ...(routes.length ? [`routes ${routes.join(", ")}`] : []),
      ].join("; ");
    });
    if (!describeOk || !description) return report(plugin.id);

    const context: HookCheckContext = {
      gateway: running,
      pluginId: plugin.id,
      seed,
      runs,
      stdoutNoise: (since) =>
        logTap
          .recent({ pluginId: plugin.id }, 1000)
          .filter((r: LogRecord) => (r.source === "stdout" || r.source === "grpc-stdout") && (r.time ?? 0) >= since),
    };
    let offset = 0;
    for (const h of plugin.hooks.intercept) record(await checkIntercept(context, topicFor(h.topic), offset++));
    for (const h of plugin.hooks.notify) record(await checkNotify(context, topicFor(h.topic), offset++));
    for (const c of description.commands) record(await checkCommand(context, c.name, offset++));
    for (const r of description.httpRoutes) record(await checkHttpRoute(context, r.method, r.pathPrefix, offset++));
    await step("stdout", async () => {
      const noise = context.stdoutNoise(startedAt);
      if (noise.length > 0)
        throw new Error(
          `the plugin wrote ${noise.length} line(s) to stdout, e.g. ${JSON.stringify(String(noise[0]?.msg ?? "")).slice(0, 200)}: stdout belongs to the go-plugin handshake; log to stderr or through the SDK's logger`,
        );
      return "nothing written to stdout after the handshake";
    });
    return report(plugin.id);
  } finally {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function describeBuild(result: { steps: readonly { label: string }[] }): string {
  return result.steps.length === 0 ? "nothing to build" : result.steps.map((s) => s.label).join(" && ");
}
