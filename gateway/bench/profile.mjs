#!/usr/bin/env node
// Profiles the TS host's hook round trip: `node gateway/bench/profile.mjs [--concurrency N]
// [--seconds S] [--plugin go|python] [--cpu-only]` re-runs itself under `node --cpu-prof`, then
// prints the top self-time frames and the self time per package (grpc-js, protobuf-es, Polyplug,
// Node internals...). It also prints the CPU time per call of the host process and of the plugin
// process (getrusage / /proc): on a 2-core machine shared by both, CPU per call on both sides is
// what bounds calls/s, and it stays meaningful when other load makes calls/s noisy. `--cpu-only`
// skips the profiler (whose sampling inflates the host's CPU). Findings: gateway/bench/PROFILE.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { summarise } from "./lib/cpu-profile.mjs";
import { conformancePlugins } from "./lib/paths.mjs";

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const concurrency = Number(option("concurrency", "1"));
const seconds = Number(option("seconds", "5"));
const plugin = option("plugin", "go");
const cpuOnly = process.argv.includes("--cpu-only");

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux). */
function processCpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
}

if (process.env.POLYPLUG_PROFILE_CHILD) {
  const { runTsPhase, startTsPlugin } = await import("./lib/ts-host.mjs");
  const phase = {
    name: "profile",
    topic: "conformance.echo",
    payloadBytes: 0,
    concurrency,
    warmup: 500,
    calls: 1e9,
    minCalls: 1,
    durationMs: seconds * 1000,
  };
  const client = await startTsPlugin(conformancePlugins[plugin]);
  try {
    await runTsPhase(client, { ...phase, durationMs: 1000 }); // warm up the JIT before measuring CPU
    const host = process.cpuUsage();
    const pluginBefore = client.pid === undefined ? Number.NaN : processCpuUs(client.pid);
    const result = await runTsPhase(client, { ...phase, warmup: 0 });
    const hostUsed = process.cpuUsage(host);
    const pluginUsed = client.pid === undefined ? Number.NaN : processCpuUs(client.pid) - pluginBefore;
    const calls = result.latenciesUs.length;
    const perCall = (us) => (us / calls).toFixed(1);
    process.stdout.write(
      `${calls} calls in ${result.elapsedMs.toFixed(0)} ms (${((calls / result.elapsedMs) * 1000).toFixed(0)} calls/s)\n`,
    );
    process.stdout.write(
      `CPU per call: host ${perCall(hostUsed.user + hostUsed.system)} µs (system ${perCall(hostUsed.system)} µs), plugin ${perCall(pluginUsed)} µs${cpuOnly ? "" : " (host inflated by the profiler)"}\n`,
    );
  } finally {
    await client.shutdown();
  }
} else {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-profile-"));
  const self = fileURLToPath(import.meta.url);
  const profiler = cpuOnly ? [] : ["--cpu-prof", "--cpu-prof-dir", dir];
  const child = spawnSync(process.execPath, [...profiler, self, ...process.argv.slice(2)], {
    env: { ...process.env, POLYPLUG_PROFILE_CHILD: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (child.status !== 0) process.exit(child.status ?? 1);
  if (!cpuOnly) {
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    summarise(JSON.parse(readFileSync(path.join(dir, file), "utf8")));
    process.stdout.write(`profile: ${path.join(dir, file)} (open in Chrome DevTools → Performance)\n`);
  }
}
