// Starts gateway-child.mjs and talks to it over its stdin/stdout lines.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { paths } from "./paths.mjs";

/**
 * @typedef {object} GatewayProcess
 * @property {string} url          the public API base URL ("" in host mode)
 * @property {string | undefined} referenceUrl  the same API without the JSON fast path (option `reference`)
 * @property {number} pid
 * @property {() => Promise<number>} cpuUs  the child's CPU time so far (user + system), microseconds
 * @property {() => Promise<{userUs: number, systemUs: number, gcMs: number}>} cpuTimes  the same, user and system time apart, and the time spent in GC pauses (ms)
 * @property {() => Promise<number>} rss   the child's RSS in bytes after a GC
 * @property {() => Promise<{rssBytes: number, waitedMs: number, youngBytes: number}>} restRss  the child's RSS at rest: once the gateway gave V8's young generation back (at most 60 s), no forced GC
 * @property {(sinceReadyMs: number) => Promise<{rssBytes: number, sinceReadyMs: number, youngBytes: number}>} idleRss  the child's RSS `sinceReadyMs` after it was ready, idle (young generation given back too), no forced GC
 * @property {(argv: readonly string[], samples: number) => Promise<{startupMs: number[], cpuMsPerStart: number, rssBytes: number}>} startups  plugin starts (spawn → healthy) by the host core in the child, and its CPU time per start and stop
 * @property {() => Promise<void>} stop
 */

/**
 * Starts a gateway (mode "gateway") or the bare host core (mode "host") with `plugins`
 * scripted plugins in a child process; resolves when every plugin is active.
 * @param {"gateway" | "host"} mode
 * @param {number} plugins
 * @param {readonly string[]} [nodeArgs]  extra Node flags for the child (e.g. `--cpu-prof`)
 * @param {{reference?: boolean, database?: string, sandbox?: "required" | "auto" | "off", workers?: number, memoryProfile?: "default" | "small"}} [options]  reference: also serve the API without the JSON fast path; database: PostgreSQL URL (cluster mode); sandbox: the plugin sandbox mode; workers: public-port worker processes (serve config `workers`; CPU times include them); memoryProfile: as `polyplug serve --memory-profile`
 * @param {Record<string, string>} [env]  extra environment for the child (e.g. POLYPLUG_BENCH_DIST)
 * @returns {Promise<GatewayProcess>}
 */
export function startGatewayProcess(mode, plugins, nodeArgs = [], options = {}, env = {}) {
  // Before the gateway's modules are even parsed, as `polyplug serve` applies it (cli/main.ts).
  const first = options.memoryProfile
    ? ["--import", pathToFileURL(path.join(paths.bench, "lib", "memory-profile-first.mjs")).href]
    : [];
  return startChild("gateway-child.mjs", { mode, plugins, ...options }, [...first, ...nodeArgs], env);
}

/**
 * Starts public-cpu-child.mjs: a bare node:http server ("bare") or Polyplug's public server
 * with an instant dispatcher ("instant"); same protocol as the gateway process.
 * @param {"bare" | "instant"} kind
 * @param {Record<string, string>} [env]  extra environment for the child (e.g. POLYPLUG_BENCH_DIST)
 * @returns {Promise<GatewayProcess>}
 */
export function startPublicCpuProcess(kind, env = {}) {
  return startChild("public-cpu-child.mjs", { kind }, [], env);
}

/**
 * @param {string} script  a file in gateway/bench
 * @param {unknown} config  its JSON argument
 * @param {readonly string[]} nodeArgs
 * @param {Record<string, string>} env
 * @returns {Promise<GatewayProcess>}
 */
async function startChild(script, config, nodeArgs, env) {
  const child = spawn(
    process.execPath,
    ["--expose-gc", ...nodeArgs, path.join(paths.bench, script), JSON.stringify(config)],
    { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } },
  );
  const stderr = [];
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.on("close", resolve));
  const next = async () => {
    for (;;) {
      const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))]);
      if (line.done) throw new Error(`${script} exited: ${Buffer.concat(stderr).toString().trim()}`);
      // Public-port workers share the child's stdout: the answers are the JSON object lines.
      if (line.value.startsWith("{")) return JSON.parse(line.value);
    }
  };
  const ready = await next();
  return {
    url: ready.url,
    referenceUrl: ready.referenceUrl,
    pid: ready.pid,
    cpuUs: async () => {
      child.stdin.write("cpu\n");
      return (await next()).cpuUs;
    },
    cpuTimes: async () => {
      child.stdin.write("cpu\n");
      const { userUs, systemUs, gcMs } = await next();
      return { userUs, systemUs, gcMs };
    },
    rss: async () => {
      child.stdin.write("rss\n");
      return (await next()).rssBytes;
    },
    restRss: async () => {
      child.stdin.write("rest\n");
      return await next();
    },
    idleRss: async (sinceReadyMs) => {
      child.stdin.write(`idle ${sinceReadyMs}\n`);
      return await next();
    },
    startups: async (argv, samples) => {
      child.stdin.write(`startup ${JSON.stringify({ argv, samples })}\n`);
      const { startupMs, cpuMsPerStart, rssBytes } = await next();
      return { startupMs, cpuMsPerStart, rssBytes };
    },
    stop: async () => {
      child.stdin.write("stop\n");
      await next();
      await exited;
    },
  };
}
