// Optional suite `public-cpu` (issue 17, row 1): CPU time of the serving process per public
// Intercept request (Connect JSON over HTTP/1.1 keep-alive), the figure that bounds calls/s
// when the gateway's one JavaScript thread waits for a CPU on a shared machine — and, unlike
// calls/s, one that other load hardly moves. Servers, each in its own process, measured in
// interleaved rounds (the order rotates every round) and summarised by the median of the
// rounds:
// - bare: node:http reading the body, JSON.parse, JSON.stringify an answer — Node's floor;
// - surfaces: Polyplug's public server with an instant dispatcher (no plugin);
// - full: the whole gateway with one Go plugin (sandbox and AutoMTLS off, as in e2e);
// - Go gateway: examples-go/bench/gogateway on the same plugin.
// POLYPLUG_BENCH_CPU_BASE=<dir> (another build of gateway/dist, inside gateway/ so its packages
// resolve) adds "surfaces (base)" and "full (base)" from that build: an A/B of two builds in
// one run. POLYPLUG_BENCH_CPU_C sets the concurrency (default 64), POLYPLUG_BENCH_CPU_CHAIN the
// number of plugins in the chain of "full" and the Go gateway (default 1: row 1 of #17; 5: row 3),
// POLYPLUG_BENCH_CPU_FULL_ONLY=1 leaves out "bare" and "surfaces" (shorter A/B runs of the full path),
// POLYPLUG_BENCH_CPU_ROUNDS sets the number of rounds (default 7; more resolve smaller differences),
// POLYPLUG_BENCH_CPU_WARMUP_MS each server's warm-up (default 3 s; a loaded machine needs more).
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { CHAIN_TOPIC, writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { startGatewayProcess, startPublicCpuProcess } from "../lib/gateway-process.mjs";
import { startGoGateway } from "../lib/go-gateway.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { rate, time, times } from "../lib/format.mjs";
import { median, ratio } from "../lib/stats.mjs";
import { benchPayload } from "../lib/ts-host.mjs";

/** @param {any} json */
function checkAllowed(json) {
  if (json.allowed !== true) throw new Error(`not allowed: ${JSON.stringify(json).slice(0, 300)}`);
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { roundMs } = w.publicCpu;
  const warmupMs = Number(process.env.POLYPLUG_BENCH_CPU_WARMUP_MS || w.publicCpu.warmupMs);
  const rounds = Number(process.env.POLYPLUG_BENCH_CPU_ROUNDS || w.publicCpu.rounds);
  const concurrency = Number(process.env.POLYPLUG_BENCH_CPU_C || w.publicCpu.concurrency);
  const base = process.env.POLYPLUG_BENCH_CPU_BASE;
  const chain = Number(process.env.POLYPLUG_BENCH_CPU_CHAIN || 1);
  const fullOnly = process.env.POLYPLUG_BENCH_CPU_FULL_ONLY === "1";
  const plugins = `${chain} Go plugin${chain === 1 ? "" : "s"}`;
  const pluginsDir = writeChainPluginsDir(chain);
  /** @type {{name: string, start: () => Promise<import("../lib/gateway-process.mjs").GatewayProcess>}[]} */
  const kinds = [
    ...(fullOnly
      ? []
      : [
          { name: "bare node:http", start: () => startPublicCpuProcess("bare") },
          { name: "surfaces", start: () => startPublicCpuProcess("instant") },
          ...(base
            ? [
                {
                  name: "surfaces (base)",
                  start: () => startPublicCpuProcess("instant", { POLYPLUG_BENCH_DIST: base }),
                },
              ]
            : []),
        ]),
    { name: `full, ${plugins}`, start: () => startGatewayProcess("gateway", chain, [], { sandbox: "off" }) },
    ...(base
      ? [
          {
            name: `full, ${plugins} (base)`,
            start: () => startGatewayProcess("gateway", chain, [], { sandbox: "off" }, { POLYPLUG_BENCH_DIST: base }),
          },
        ]
      : []),
    { name: `Go gateway, ${plugins}`, start: () => startGoGateway(pluginsDir) },
  ];
  const servers = [];
  const load = (server, durationMs, minCalls) =>
    httpLoad({
      url: `${server.url}/polyplug.v1.Gateway/Intercept`,
      body: { topic: CHAIN_TOPIC, payload: benchPayload(0) },
      concurrency,
      warmup: 0,
      durationMs,
      minCalls,
      check: checkAllowed,
    });
  const loadAtStart = loadavg()[0];
  try {
    for (const kind of kinds) {
      log(`public-cpu: starting ${kind.name}`);
      const server = await kind.start();
      servers.push({ ...kind, server, cpuUs: [], callsPerS: [], medianUs: [] });
    }
    for (const s of servers) await load(s.server, warmupMs, 1000); // warm the JIT (the load generator's too)
    for (let round = 0; round < rounds; round++) {
      // Rotate the order: whichever runs first or last in a round gets no systematic edge.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const s of order) {
        const before = await s.server.cpuTimes();
        const r = await load(s.server, roundMs, 2);
        const after = await s.server.cpuTimes();
        if (r.firstError) throw new Error(`${s.name}: ${r.firstError}`);
        const calls = r.latenciesUs.length;
        s.cpuUs.push((after.userUs + after.systemUs - before.userUs - before.systemUs) / calls);
        s.callsPerS.push((calls / r.elapsedMs) * 1000);
        s.medianUs.push(median(r.latenciesUs));
      }
      log(
        `public-cpu: round ${round + 1}/${rounds}: ${servers.map((s) => `${s.name} ${time(s.cpuUs.at(-1))}`).join(", ")}`,
      );
    }
  } finally {
    for (const s of servers) await s.server.stop();
    rmSync(pluginsDir, { recursive: true, force: true });
  }
  const loadAtEnd = loadavg()[0];
  const bare = fullOnly ? undefined : median(servers[0].cpuUs);
  const go = median(servers.at(-1).cpuUs);
  const data = servers.map((s) => ({
    name: s.name,
    cpuUsPerRequest: median(s.cpuUs),
    cpuUsRounds: s.cpuUs.map((us) => Math.round(us)),
    callsPerS: median(s.callsPerS),
    medianUs: median(s.medianUs),
  }));
  const byName = (name) => data.find((d) => d.name === name);
  const full = byName(`full, ${plugins}`);
  return {
    title: "Public path: CPU per request",
    note: `CPU time (user + system) of the serving process per Intercept request at c=${concurrency} (Connect JSON, HTTP/1.1 keep-alive), median of ${rounds} interleaved rounds of ${roundMs} ms after ${warmupMs} ms of warm-up each; load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)}. "bare node:http" = the least an endpoint can do on Node (read, JSON.parse, JSON.stringify); "surfaces" = Polyplug's public server with a dispatcher that answers at once; "full" = the gateway with a chain of ${plugins}; the Go gateway on the same plugins. Calls/s here are under a shared load generator and vary with the machine's load; the CPU figures are the ones to compare.`,
    columns: [
      "Server",
      "CPU / request (median)",
      "Rounds",
      "vs bare node:http",
      "vs Go gateway",
      "Calls/s (median)",
      "Latency median (median of rounds)",
    ],
    rows: data.map((d) => [
      d.name,
      time(d.cpuUsPerRequest),
      d.cpuUsRounds.join(" "),
      bare === undefined ? "–" : times(ratio(d.cpuUsPerRequest, bare)),
      times(ratio(d.cpuUsPerRequest, go)),
      rate(d.callsPerS),
      time(d.medianUs),
    ]),
    headlines: [
      {
        metric: `gateway CPU per request, ${chain}-plugin chain at c=${concurrency} (Polyplug / Go gateway)`,
        value: ratio(full.cpuUsPerRequest, go),
        goal: "≤ 1.00×",
        met: full.cpuUsPerRequest <= go,
      },
    ],
    data,
  };
}
