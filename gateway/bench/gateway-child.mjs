// A gateway (or the bare host core) in its own process, for the end-to-end and memory
// benchmarks: the load generator must not share the gateway's event loop, and RSS must be
// the gateway's alone. Run by lib/gateway-process.mjs:
//   node --expose-gc gateway-child.mjs '{"mode":"gateway"|"host","plugins":N}'
// prints one JSON line {"url","pid"} when every plugin is active, then answers stdin lines:
// "rss" → {"rssBytes"} after a garbage collection; "heap" → process.memoryUsage() and V8's heap spaces, as they are; "rest" → {"rssBytes", "waitedMs", "youngBytes"} once idle (no forced GC);
// "idle MS" → {"rssBytes", "sinceReadyMs", "youngBytes"} MS after the ready line, idle and the young generation given back (no forced GC); "cpu" → {"cpuUs", "userUs", "systemUs", "gcMs"}
// (CPU time so far: user + system, and each; time in GC pauses); "stop" → stops everything and exits. With "database": "postgres://…"
// the gateway keeps its state there (cluster mode) instead of SQLite. With "reference": true (gateway mode) it
// also serves the public API without the JSON fast path on a second port ("referenceUrl"). With "sandbox":
// "required" | "auto" | "off" the plugin sandbox mode (default: the gateway's default). With "memoryProfile": "small"
// the V8 heap profile of `polyplug serve --memory-profile small` (lib/gateway-process.mjs preloads lib/memory-profile-first.mjs).
// With "workers": N (gateway mode) N worker processes serve the public port (serve config `workers`); "cpu" then counts them too.
// "startup {"argv":[…],"samples":N}" → {"startupMs":[…],"cpuMsPerStart"}: N plugin starts (startPlugin + health, then shutdown) by the
// host core in this process, shaped like a running gateway (issue 17 row 7: the fork costs what this process weighs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { pino } from "pino";
import { CHAIN_TOPIC, chainIds, writeChainPluginsDir } from "./lib/chain-plugins.mjs";
import { paths } from "./lib/paths.mjs";
import { procCpuTimes } from "./lib/proc.mjs";
import { runTsPhase, startTsPlugin } from "./lib/ts-host.mjs";

const { mode, plugins: count, reference, database, sandbox, workers } = JSON.parse(process.argv[2] ?? "{}");
// POLYPLUG_BENCH_DIST: another build of gateway/dist (inside gateway/, so its packages resolve), for A/B runs.
const dist = process.env.POLYPLUG_BENCH_DIST || path.join(import.meta.dirname, "..", "dist");
const { createGateway } = await import(pathToFileURL(path.join(dist, "index.js")).href);
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

/** Full gateway: store, public server, supervisors, dispatcher. */
async function startGateway() {
  const pluginsDir = writeChainPluginsDir(count);
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyplug-bench-data-"));
  const gateway = await createGateway({
    pluginsDirs: [pluginsDir],
    dataDir,
    port: 0,
    autoMtls: false,
    logger: pino({ level: "silent" }),
    ...(database ? { database } : {}),
    ...(sandbox ? { sandbox: { mode: sandbox } } : {}),
    ...(workers ? { workers } : {}),
  });
  const notActive = gateway.plugins().filter((p) => p.state !== "active");
  if (notActive.length)
    throw new Error(`plugins not active: ${notActive.map((p) => `${p.pluginId} (${p.state})`).join(", ")}`);
  // One call through the whole chain, so every connection is in use before measuring.
  await gateway.dispatcher.intercept(CHAIN_TOPIC, { message: "warm" });
  // connect-node's handler for the same dispatcher: the baseline of the JSON fast path.
  // Loaded only when asked: `polyplug/internal` carries metrics, console and scaffolds the gateway itself loads lazily.
  const referenceServer = reference
    ? await (await import(pathToFileURL(path.join(dist, "entry", "internal.js")).href)).startPublicServer({
        port: 0,
        dispatcher: gateway.dispatcher,
        fastPath: false,
      })
    : undefined;
  return {
    url: gateway.url,
    referenceUrl: referenceServer?.url,
    workerPids: () => gateway.workers().map((w) => w.pid),
    stop: async () => {
      await referenceServer?.close();
      await gateway.stop();
      rmSync(pluginsDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Host core only: N startPlugin connections, like go-plugin's host holding N clients. */
async function startHostCore() {
  const started = [];
  for (const id of chainIds(count)) {
    const plugin = await startTsPlugin([paths.goScripted], { SCRIPTED_PLUGIN_ID: id });
    started.push(plugin);
    await runTsPhase(plugin, {
      name: "warm",
      topic: CHAIN_TOPIC,
      payloadBytes: 0,
      concurrency: 1,
      warmup: 0,
      calls: 1,
      minCalls: 1,
      durationMs: 0,
    });
  }
  return { url: "", stop: () => Promise.all(started.map((p) => p.shutdown())) };
}

/** Bytes V8's young generation has committed. */
const youngGenerationBytes = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;

/** Resolves once V8's young generation is back at ≤ 4 MiB committed (src/young-generation-reclaim.ts), or after 60 s. */
async function youngGenerationGivenBack() {
  const started = Date.now();
  while (youngGenerationBytes() > 4 * 2 ** 20 && Date.now() - started < 60_000)
    await new Promise((resolve) => setTimeout(resolve, 500));
}

// Garbage collection pauses so far, for the "cpu" answer (young-generation size trades, issue 17 memory).
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ["gc"] });

const running = mode === "host" ? await startHostCore() : await startGateway();
print({ url: running.url, referenceUrl: running.referenceUrl, pid: process.pid });
const readyAt = Date.now();
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "rss") {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    print({ rssBytes: process.memoryUsage().rss });
  } else if (line === "rest") {
    // RSS at rest, no forced GC: once the gateway gave V8's young generation back after being idle
    // (src/young-generation-reclaim.ts; ~10-20 s), or after 60 s (a build without it never does).
    const started = Date.now();
    await youngGenerationGivenBack();
    print({ rssBytes: process.memoryUsage().rss, waitedMs: Date.now() - started, youngBytes: youngGenerationBytes() });
  } else if (line.startsWith("idle ")) {
    // An idle gateway a while after start: V8's memory reducer compacts old space 30-45 s after the last full
    // collection (PROFILE.md "Later at rest"); the young generation given back too (at most 60 s more).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, readyAt + Number(line.slice(5)) - Date.now())));
    await youngGenerationGivenBack();
    print({
      rssBytes: process.memoryUsage().rss,
      sinceReadyMs: Date.now() - readyAt,
      youngBytes: youngGenerationBytes(),
    });
  } else if (line === "heap") {
    // Where the memory is, as it is now (no forced GC): process.memoryUsage() and V8's spaces (committed / used bytes).
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, [s.space_size, s.space_used_size]]),
    );
    print({ ...process.memoryUsage(), spaces });
  } else if (line === "cpu") {
    const { user, system } = process.cpuUsage();
    // Worker processes from /proc (a worker restarted in between would make the figure wrong: fail instead).
    const pids = running.workerPids?.() ?? [];
    if (pids.includes(undefined)) throw new Error("a public-port worker is not running");
    const ofWorkers = pids.map(procCpuTimes);
    const userUs = user + ofWorkers.reduce((sum, t) => sum + t.userUs, 0);
    const systemUs = system + ofWorkers.reduce((sum, t) => sum + t.systemUs, 0);
    print({ cpuUs: userUs + systemUs, userUs, systemUs, gcMs });
  } else if (line.startsWith("startup ")) {
    const { argv, samples } = JSON.parse(line.slice("startup ".length));
    const startupMs = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const plugin = await startTsPlugin(argv);
      startupMs.push(performance.now() - t0);
      await plugin.shutdown();
    }
    const cpu = process.cpuUsage(cpu0);
    print({ startupMs, cpuMsPerStart: (cpu.user + cpu.system) / 1000 / samples, rssBytes: process.memoryUsage().rss });
  } else if (line === "stop") {
    await running.stop();
    print({ stopped: true });
    process.exit(0);
  }
}
