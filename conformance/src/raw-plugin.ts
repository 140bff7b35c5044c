import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HostSettings } from "./host-settings.js";
import type { PluginTarget } from "./plugin-target.js";

/** How a raw plugin process ended. */
export interface RawExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A plugin process spawned without the host core, so a case sees its raw behaviour. */
export interface RawPlugin {
  readonly child: ChildProcess;
  /** The private directory passed as PLUGIN_UNIX_SOCKET_DIR (mode 0755, so socket modes matter). */
  readonly socketDir: string;
  /** The environment the process got (go-plugin variables only, for traces). */
  readonly pluginEnv: Readonly<Record<string, string>>;
  /** Resolves with the first stdout line without its `\n`, or rejects when the process ends first or the time runs out. */
  firstLine(timeoutMs: number): Promise<string>;
  /** Everything written to stdout so far. */
  stdout(): Buffer;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited (or with undefined after `timeoutMs`). */
  waitExit(timeoutMs: number): Promise<RawExit | undefined>;
  /** SIGKILLs the process if still running and removes the socket directory. */
  dispose(): Promise<void>;
}

/** Options of `spawnRawPlugin`. */
export interface RawSpawnOptions {
  /** Variables to set; the defaults are the cookie, PLUGIN_PROTOCOL_VERSIONS (the versions the plugin speaks), ports 10000–25000 and the socket dir. */
  readonly env?: Readonly<Record<string, string>>;
  /** go-plugin variables to leave out (e.g. the cookie). */
  readonly omit?: readonly string[];
}

function inheritedEnv(cookieKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("PLUGIN_") || key === cookieKey) continue;
    env[key] = value;
  }
  return env;
}

/**
 * The environment a raw plugin gets: the suite's own (without go-plugin variables) plus the
 * cookie, offered versions, ports 10000–25000 and `socketDir`, then `options`. `pluginEnv`
 * is the go-plugin part alone (for traces).
 */
export function rawPluginEnvironment(
  settings: HostSettings,
  socketDir: string,
  options: RawSpawnOptions = {},
): { env: Record<string, string>; pluginEnv: Record<string, string> } {
  const pluginEnv: Record<string, string> = {
    [settings.handshake.magicCookieKey]: settings.handshake.magicCookieValue,
    PLUGIN_PROTOCOL_VERSIONS: settings.handshake.protocolVersions.join(","),
    PLUGIN_MIN_PORT: "10000",
    PLUGIN_MAX_PORT: "25000",
    PLUGIN_UNIX_SOCKET_DIR: socketDir,
    ...options.env,
  };
  for (const key of options.omit ?? []) delete pluginEnv[key];
  return { env: { ...inheritedEnv(settings.handshake.magicCookieKey), ...pluginEnv }, pluginEnv };
}

/** Spawns the target with a go-plugin environment, stdin closed, stdout and stderr captured. */
export async function spawnRawPlugin(
  target: PluginTarget,
  settings: HostSettings,
  options: RawSpawnOptions = {},
): Promise<RawPlugin> {
  const socketDir = await mkdtemp(path.join(tmpdir(), "pp-conf-"));
  const { env, pluginEnv } = rawPluginEnvironment(settings, socketDir, options);
  const child = spawn(target.command, [...target.args], { cwd: target.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  let exitInfo: RawExit | undefined;
  const exited = new Promise<RawExit>((resolve) => {
    child.on("error", (error) => {
      err += `spawn failed: ${error.message}\n`;
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
    child.on("close", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const stdout = () => Buffer.concat(out);
  return {
    child,
    socketDir,
    pluginEnv,
    stdout,
    stderr: () => err,
    firstLine: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const text = stdout().toString("utf8");
          const nl = text.indexOf("\n");
          if (nl >= 0) {
            cleanup();
            resolve(text.slice(0, nl));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no line on stdout within ${timeoutMs} ms (stdout so far: ${JSON.stringify(stdout().toString("utf8").slice(0, 200))})`,
            ),
          );
        }, timeoutMs);
        const onExit = (info: RawExit) => {
          check();
          cleanup();
          reject(
            new Error(
              `the process exited (code ${info.code}, signal ${info.signal}) before printing a full stdout line; stderr: ${err.slice(-500)}`,
            ),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off("data", check);
        };
        child.stdout?.on("data", check);
        void exited.then(onExit);
        check();
      }),
    waitExit: (timeoutMs) =>
      Promise.race([
        exited,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
      ]),
    async dispose() {
      if (exitInfo === undefined) {
        child.kill("SIGKILL");
        await exited;
      }
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
