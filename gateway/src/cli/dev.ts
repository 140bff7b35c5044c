import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { buildPlugin } from "../devloop/plugin-build.js";
import { watchSources } from "../devloop/source-watcher.js";
import { PolyplugError } from "../errors.js";
import { readManifest, type Manifest } from "../registry/manifest.js";
import { paint, type CliIo } from "./io.js";
import { startServing, stopServing, untilStopped, type Serving } from "./serve.js";

interface DevOptions {
  listen?: string;
  adminListen?: string;
  data?: string;
  python?: string;
  build: boolean;
  automtls?: boolean;
  logFormat?: string;
  logLevel?: string;
  reattach?: string;
}

/** Registers `polyplug dev [DIR]`. */
export function registerDev(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("dev")
    .description(
      "run a plugin from its source folder in a gateway of its own; rebuild and restart it whenever a source file changes",
    )
    .argument("[dir]", "the plugin folder (with plugin.json or plugin.yaml)", ".")
    .option("--listen <host:port>", "public API address (default 127.0.0.1:8080; port 0 picks a free one)")
    .option("--admin-listen <host:port>", "Admin API and console address (default 127.0.0.1:8081)")
    .option("--data <dir>", "state folder (default: <tmp>/polyplug-dev/<plugin id>, kept between runs)")
    .option(
      "--python <path>",
      "python for `command: [python, …]` (default: the plugin's own .venv/bin/python when it has one)",
    )
    .option("--no-build", "do not build (go build / npm run build) before starting and after changes")
    .option("--no-automtls", "talk to the plugin without AutoMTLS")
    .option("--log-format <format>", "auto (pretty on a terminal, JSON otherwise), pretty or json")
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal, silent (default info)")
    .option(
      "--reattach <json>",
      "attach to the plugin you started yourself with POLYPLUG_DEBUG=1 (its printed reattach JSON) instead of launching it",
    )
    .action(async (dir: string, options: DevOptions) => {
      setExitCode(await runDev(dir, options, io));
    });
}

async function runDev(dirArgument: string, options: DevOptions, io: CliIo): Promise<number> {
  const c = paint(io.color);
  const dir = path.resolve(dirArgument);
  try {
    let { manifest, file: manifestFile } = await readManifest(dir);
    const build = async (why: string) => {
      if (!options.build) return;
      const result = await buildPlugin(dir, manifest);
      if (result.steps.length > 0)
        io.err(
          `${c.green("✔")} ${why}: ${result.steps.map((s) => s.label).join(" && ")} ${c.dim(`(${seconds(result.durationMs)})`)}\n`,
        );
    };
    await build("built");
    const serveOptions = () => ({
      plugins: [dir],
      data: options.data ?? path.join(tmpdir(), "polyplug-dev", manifest.id),
      ...pick(options, ["listen", "adminListen", "logFormat", "logLevel", "automtls"]),
      ...pythonFor(dir, options.python),
      ...(options.reattach ? { reattach: [`${manifest.id}=${options.reattach}`] } : {}),
    });
    // Watch before the gateway starts: Node's recursive watcher sets itself up asynchronously,
    // and an edit saved right after the banner must not be missed. Changes wait for the gateway.
    let started!: () => void;
    let queue = new Promise<void>((resolve) => (started = resolve));
    const outputs = [...Object.values(manifest.executables ?? {}), "dist"];
    const watcher = watchSources(dir, outputs, (files) => {
      queue = queue.then(() => onChange(files));
    });
    let serving: Serving;
    try {
      serving = await startServing(serveOptions(), io);
    } catch (error) {
      watcher.close();
      throw error;
    }
    // Signal handlers before the banner, as in serve: a stop sent on seeing it is a graceful
    // one. Watching stops at the first signal: no rebuild may start while the gateway stops.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => watcher.close());
    const stopped = untilStopped(() => serving);
    io.err(banner(serving, manifest, dir, c));
    started();

    const onChange = async (files: string[]) => {
      const started = performance.now();
      try {
        if (files.some((f) => path.join(dir, f) === manifestFile)) {
          ({ manifest, file: manifestFile } = await readManifest(dir));
          await build("rebuilt");
          await stopServing(serving);
          serving = await startServing(serveOptions(), io);
        } else {
          await build("rebuilt");
          await serving.gateway.restart(manifest.id);
        }
        const plugin = serving.gateway.plugin(manifest.id);
        const mark = plugin.state === "active" ? c.green("↻") : c.red("↻");
        const why =
          plugin.state === "active" || !plugin.lastError ? "" : ` — ${plugin.lastError.message.split("\n")[0]}`;
        io.err(
          `${mark} ${files.join(", ")} changed: restarted ${manifest.id}, ${plugin.state}${why} ${c.dim(`(${seconds(performance.now() - started)})`)}\n`,
        );
      } catch (error) {
        const failure = PolyplugError.from(error);
        io.err(
          `${c.red("✖")} ${files.join(", ")} changed: ${failure.message}\n  (the previous version keeps running; fix it and save again)\n`,
        );
      }
    };
    const code = await stopped;
    await queue;
    return code;
  } catch (error) {
    const failure = PolyplugError.from(error);
    io.err(`${c.red("✖ dev failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
    return 1;
  }
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<
    Pick<T, K>
  >;
}

/** The python to run the plugin with: the flag's, else the plugin's own venv's, else the gateway's default. */
function pythonFor(dir: string, flag: string | undefined): { python?: string } {
  if (flag) return { python: flag };
  const own = path.join(dir, ".venv", "bin", "python");
  return existsSync(own) ? { python: own } : {};
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An example topic for a subscription pattern (`a.*` → `a.example`, `*` → `example`). */
function exampleTopic(pattern: string): string {
  return pattern === "*" ? "example" : pattern.replace(/\*$/, "example");
}

function banner(serving: Serving, manifest: Manifest, dir: string, c: ReturnType<typeof paint>): string {
  const { gateway, admin, adminTokenFile } = serving;
  const plugin = gateway.plugin(manifest.id);
  const state = plugin.state === "active" ? c.green("●") : c.red("●");
  const lines = [
    "",
    c.bold(`Polyplug dev: ${manifest.id} ${manifest.version} from ${dir}`),
    `  ${state} ${plugin.state}${plugin.lastError && plugin.state !== "active" ? ` — ${plugin.lastError.message.split("\n")[0]}` : ""}`,
    `  watching ${dir}: save a file and the plugin is rebuilt and restarted`,
    "",
    `  public API   POST ${gateway.url}/polyplug.v1.Gateway/{Intercept,Notify,ExecuteCommand}`,
    `  plugin HTTP  ${gateway.url}/plugins/${manifest.id}/`,
    `  web console  ${admin.url}/console/  (sign in with the token in ${adminTokenFile})`,
  ];
  const hooks = [
    ...manifest.hooks.intercept.map((h) => ["Intercept", exampleTopic(h.topic)] as const),
    ...manifest.hooks.notify.map((h) => ["Notify", exampleTopic(h.topic)] as const),
  ];
  if (hooks.length > 0) lines.push("", "Try it:");
  for (const [rpc, topic] of hooks) {
    lines.push(
      `  curl -s -X POST ${gateway.url}/polyplug.v1.Gateway/${rpc} -H 'content-type: application/json' -d '{"topic":"${topic}","payload":{"message":"hello"}}'`,
    );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
