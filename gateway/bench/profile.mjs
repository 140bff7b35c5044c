#!/usr/bin/env node
// Profiles the TS host's hook round trip: `node gateway/bench/profile.mjs [--concurrency N]
// [--seconds S] [--plugin go|python]` re-runs itself under `node --cpu-prof`, then prints
// the top self-time frames and the self time per package (grpc-js, protobuf-es, Polyplug,
// Node internals...). Findings are written up in gateway/bench/PROFILE.md.
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

if (process.env.POLYPLUG_PROFILE_CHILD) {
  const { runTsIntercept } = await import("./lib/ts-host.mjs");
  const phase = { name: "profile", topic: "conformance.echo", payloadBytes: 0, concurrency, warmup: 500, calls: 1e9, minCalls: 1, durationMs: seconds * 1000 };
  const { phases } = await runTsIntercept(conformancePlugins[plugin], [phase]);
  process.stdout.write(`${phases[0].latenciesUs.length} calls in ${phases[0].elapsedMs.toFixed(0)} ms\n`);
} else {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-profile-"));
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, self, ...process.argv.slice(2)], {
    env: { ...process.env, POLYPLUG_PROFILE_CHILD: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (child.status !== 0) process.exit(child.status ?? 1);
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  summarise(JSON.parse(readFileSync(path.join(dir, file), "utf8")));
  process.stdout.write(`profile: ${path.join(dir, file)} (open in Chrome DevTools → Performance)\n`);
}

