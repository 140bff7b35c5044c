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

/** Which package a frame's URL belongs to. */
function packageOf(url) {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return "node internals";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes("/gateway/dist/")) return `polyplug ${url.slice(url.indexOf("/gateway/dist/") + 14).split("/")[0]}/`;
  if (url.includes("/gateway/bench/")) return "bench harness";
  return url;
}

/** Prints self time by package and the top frames. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byPackage = new Map();
  const byFrame = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const pkg = packageOf(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const frame = `${callFrame.functionName || "(anonymous)"} ${callFrame.url ? `${path.basename(callFrame.url)}:${callFrame.lineNumber + 1}` : ""} [${pkg}]`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + us);
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(`\nself time by package (total ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`  ${pct(us)}  ${pkg}\n`);
  process.stdout.write("\ntop self-time frames\n");
  for (const [frame, us] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 30)) process.stdout.write(`  ${pct(us)}  ${frame}\n`);
}
