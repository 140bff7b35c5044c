// 5. Gateway memory: RSS of the gateway process with 1, 10 and 50 plugin processes
// running (the full gateway, and the bare host core holding N connections), next to
// go-plugin's Go host holding N clients of the same plugin and the Go baseline gateway
// (examples-go/bench/gogateway) serving a chain of the N plugins.
import { rmSync } from "node:fs";
import { CHAIN_TOPIC, writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { startGoGateway } from "../lib/go-gateway.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { runGoHost } from "../lib/go-host.mjs";
import { nodeFloor } from "../lib/node-floor.mjs";
import { procAnonymousBytes } from "../lib/proc.mjs";
import { paths } from "../lib/paths.mjs";
import { ratio } from "../lib/stats.mjs";
import { mib, times } from "../lib/format.mjs";

/**
 * RSS after a GC; with `atRest`, also once the gateway is at rest (it gave V8's young generation back after being idle).
 * @param {"gateway" | "host"} mode @param {number} count @param {"default" | "small"} [memoryProfile]  the gateway's, as `polyplug serve --memory-profile`
 * @param {boolean} [atRest]
 */
async function childRss(mode, count, memoryProfile = "default", atRest = false) {
  const child = await startGatewayProcess(mode, count, [], mode === "gateway" ? { memoryProfile } : {});
  try {
    const afterGc = await child.rss();
    if (!atRest) return { afterGc, atRest: undefined, anonAtRest: undefined };
    return { afterGc, atRest: (await child.restRss()).rssBytes, anonAtRest: procAnonymousBytes(child.pid) };
  } finally {
    await child.stop();
  }
}

/**
 * RSS and anonymous memory of a gateway left idle for `idleMs` after it started, in a process of its own: no
 * forced GC before (the other figures' full collection would have compacted old space early), so V8's memory
 * reducer does it, as in any idle gateway.
 * @param {number} count @param {number} idleMs
 */
async function idleRss(count, idleMs) {
  const child = await startGatewayProcess("gateway", count);
  try {
    return { idle: (await child.idleRss(idleMs)).rssBytes, anonIdle: procAnonymousBytes(child.pid) };
  } finally {
    await child.stop();
  }
}

/** The Go gateway's RSS and anonymous memory with `count` plugins, after one Intercept through all of them. @param {number} count */
async function goGatewayRss(count) {
  const dir = writeChainPluginsDir(count);
  const gateway = await startGoGateway(dir);
  try {
    const check = (json) => {
      if (json.allowed !== true || json.steps.length !== count)
        throw new Error(`the Go gateway answered ${JSON.stringify(json).slice(0, 300)}`);
    };
    const r = await httpLoad({
      url: `${gateway.url}/polyplug.v1.Gateway/Intercept`,
      body: { topic: CHAIN_TOPIC, payload: {} },
      concurrency: 1,
      warmup: 0,
      durationMs: 0,
      minCalls: 1,
      check,
    });
    if (r.firstError) throw new Error(r.firstError);
    return { rss: await gateway.rss(), anonBytes: procAnonymousBytes(gateway.pid) };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  log("memory, the Node floor (bare node, node with the gateway's built-ins)");
  const floor = await nodeFloor();
  const data = [];
  for (const count of w.memory.counts) {
    log(`memory, ${count} plugin processes`);
    const {
      afterGc: gateway,
      atRest: gatewayAtRest,
      anonAtRest: gatewayAnonAtRest,
    } = await childRss("gateway", count, "default", true);
    // --quick: not measured (a minute per gateway).
    const { idle: gatewayIdle, anonIdle: gatewayAnonIdle } =
      w.memory.idleMs > 0 ? await idleRss(count, w.memory.idleMs) : { idle: Number.NaN, anonIdle: Number.NaN };
    const gatewaySmall = (await childRss("gateway", count, "small")).afterGc;
    const host = (await childRss("host", count)).afterGc;
    const go = (
      await runGoHost({ workload: "memory", command: [paths.goScripted], plugins: count, topic: CHAIN_TOPIC })
    ).rssBytes;
    const { rss: goGateway, anonBytes: goGatewayAnon } = await goGatewayRss(count);
    data.push({
      plugins: count,
      gatewayRss: gateway,
      gatewayRestRss: gatewayAtRest,
      gatewayAnonAtRest,
      gatewayIdleRss: gatewayIdle,
      gatewayAnonIdle,
      gatewaySmallRss: gatewaySmall,
      hostCoreRss: host,
      goHostRss: go,
      goGatewayRss: goGateway,
      goGatewayAnon,
      gatewayVsGo: ratio(gateway, go),
      hostVsGo: ratio(host, go),
      gatewayVsGoGateway: ratio(gateway, goGateway),
    });
  }
  const most = data.find((d) => d.plugins === Math.max(...w.memory.counts));
  const goalMiB = 60;
  const floorRss = `${mib(floor.bare.rssBytes)} / ${mib(floor.builtins.rssBytes)}`;
  const floorAnon = `${mib(floor.bare.anonBytes)} / ${mib(floor.builtins.anonBytes)}`;
  const floorText = `; Node floor ${mib(floor.builtins.rssBytes)} (bare node ${mib(floor.bare.rssBytes)})`;
  return {
    title: "Memory (RSS of the host process)",
    note:
      'After starting N scripted Go plugins, one call on each, and a garbage collection; "at rest": the same gateway once idle, when it has given V8\'s young generation back (src/young-generation-reclaim.ts, 10-20 s after the call; no forced GC); "idle": another gateway with the same plugins, ' +
      String(w.memory.idleMs / 1000) +
      " s after it was ready, idle all along and never forced to collect (V8's own memory reducer compacts old space 30-45 s after the last full collection: what an idle gateway settles at; not measured with --quick). \"Anonymous memory\": RSS without file-backed pages (/proc/PID/smaps_rollup; for Node ~35-45 MiB of the `node` binary, shared by every Node process), comparable across Node and Go. Gateway = the whole `createGateway` (SQLite store, public server, supervisors) with `polyplug serve`'s memory profiles: `default` (Node's heap sizing) and `small` (the young generation never grows; see PROFILE.md); host core = N `startPlugin` connections only; Go host = go-plugin's `plugin.NewClient` × N; Go gateway = examples-go/bench/gogateway with the N plugins in one chain, after one Intercept through it (VmRSS, no forced GC). The plugin processes' own memory is not counted. \"Node floor\" (measured in the same run): an idle `node` after a GC, bare and with the Node built-ins the gateway loads (bench/lib/node-floor.mjs) — what any Node 20 gateway weighs before its own code; its file pages are the `node` binary's.",
    columns: [
      "Plugins",
      "Gateway RSS",
      "Gateway RSS at rest",
      "Gateway anonymous memory at rest",
      "Gateway RSS idle",
      "Gateway anonymous memory idle",
      "Gateway RSS, memory profile small",
      "TS host core RSS",
      "Go host RSS",
      "Go gateway RSS",
      "Go gateway anonymous memory",
      "Gateway/Go host",
      "Host core/Go host",
      "Gateway/Go gateway",
    ],
    rows: [
      ...data.map((d) => [
        String(d.plugins),
        mib(d.gatewayRss),
        mib(d.gatewayRestRss),
        mib(d.gatewayAnonAtRest),
        mib(d.gatewayIdleRss),
        mib(d.gatewayAnonIdle),
        mib(d.gatewaySmallRss),
        mib(d.hostCoreRss),
        mib(d.goHostRss),
        mib(d.goGatewayRss),
        mib(d.goGatewayAnon),
        times(d.gatewayVsGo),
        times(d.hostVsGo),
        times(d.gatewayVsGoGateway),
      ]),
      [
        "Node floor: bare / with the gateway's built-ins (idle, after a GC)",
        floorRss,
        floorRss,
        floorAnon,
        floorRss,
        floorAnon,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
      ],
    ],
    headlines: most
      ? [
          {
            issueRow: 8,
            metric: `gateway RSS with ${most.plugins} plugins (ratio: Polyplug / Go gateway)`,
            polyplug: mib(most.gatewayRss),
            baseline: `${mib(most.goHostRss)} (Go host), ${mib(most.goGatewayRss)} (Go gateway)${floorText}`,
            value: most.gatewayVsGoGateway,
            goal: `≤ ${goalMiB} MiB`,
            met: most.gatewayRss <= goalMiB * 2 ** 20,
          },
          {
            issueRow: 8,
            metric: `gateway RSS with ${most.plugins} plugins at rest (idle: young generation given back) (ratio: Polyplug / Go gateway)`,
            polyplug: mib(most.gatewayRestRss),
            baseline: `${mib(most.goHostRss)} (Go host), ${mib(most.goGatewayRss)} (Go gateway)${floorText}`,
            value: ratio(most.gatewayRestRss, most.goGatewayRss),
            goal: `≤ ${goalMiB} MiB`,
            met: most.gatewayRestRss <= goalMiB * 2 ** 20,
          },
          {
            issueRow: 8,
            metric: `gateway RSS with ${most.plugins} plugins idle ${w.memory.idleMs / 1000} s after start (ratio: Polyplug / Go gateway)`,
            polyplug: mib(most.gatewayIdleRss),
            baseline: `${mib(most.goHostRss)} (Go host), ${mib(most.goGatewayRss)} (Go gateway)${floorText}`,
            value: ratio(most.gatewayIdleRss, most.goGatewayRss),
            goal: `≤ ${goalMiB} MiB`,
            met: Number.isNaN(most.gatewayIdleRss) ? undefined : most.gatewayIdleRss <= goalMiB * 2 ** 20,
          },
          {
            issueRow: 8,
            metric: `gateway RSS with ${most.plugins} plugins, \`--memory-profile small\` (ratio: Polyplug / Go gateway)`,
            polyplug: mib(most.gatewaySmallRss),
            baseline: `${mib(most.goHostRss)} (Go host), ${mib(most.goGatewayRss)} (Go gateway)${floorText}`,
            value: ratio(most.gatewaySmallRss, most.goGatewayRss),
            goal: `≤ ${goalMiB} MiB`,
            met: most.gatewaySmallRss <= goalMiB * 2 ** 20,
          },
        ]
      : [],
    data: { plugins: data, nodeFloor: floor },
  };
}
