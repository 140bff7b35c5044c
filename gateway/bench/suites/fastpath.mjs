// 5. The public API's JSON fast path against connect-node's handler, A/B in one gateway
// process: the gateway serves Intercept on its port (fast path) and on a second port
// through connect-node only (same dispatcher, same plugins). Rounds alternate between the
// two, so both see the same machine load; the gateway's CPU time per call is measured
// too (steadier than latency on a shared machine).
import { CHAIN_TOPIC } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { latency, rate, time, times } from "../lib/format.mjs";
import { ratio, summarise } from "../lib/stats.mjs";
import { benchPayload } from "../lib/ts-host.mjs";

const ROUNDS = 3;

/** @param {readonly number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** @param {any} json */
function checkAllowed(json) {
  if (json.allowed !== true)
    throw new Error(`the gateway did not allow the event: ${JSON.stringify(json).slice(0, 300)}`);
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { chains, concurrencies, durationMs, warmup } = w.fastpath;
  const rows = [];
  for (const chain of chains) {
    log(`fast path vs connect-node, chain of ${chain}`);
    const gateway = await startGatewayProcess("gateway", chain, [], { reference: true });
    try {
      for (const concurrency of concurrencies) {
        /** @type {Record<"fast" | "connect", {medianUs: number[], p99Us: number[], throughput: number[], cpuUs: number[]}>} */
        const rounds = {
          fast: { medianUs: [], p99Us: [], throughput: [], cpuUs: [] },
          connect: { medianUs: [], p99Us: [], throughput: [], cpuUs: [] },
        };
        for (let round = 0; round < ROUNDS; round++) {
          const order = round % 2 === 0 ? ["fast", "connect"] : ["connect", "fast"];
          for (const variant of order) {
            const base = variant === "fast" ? gateway.url : gateway.referenceUrl;
            const load = {
              url: `${base}/polyplug.v1.Gateway/Intercept`,
              body: { topic: CHAIN_TOPIC, payload: benchPayload(0) },
              concurrency,
              minCalls: 2,
              check: checkAllowed,
            };
            await httpLoad({ ...load, warmup: warmup * Math.min(concurrency, 8), durationMs: 0 });
            const cpu0 = await gateway.cpuUs();
            const r = await httpLoad({ ...load, warmup: 0, durationMs });
            const cpu1 = await gateway.cpuUs();
            if (r.firstError)
              throw new Error(`chain ${chain}, concurrency ${concurrency}, ${variant}: ${r.firstError}`);
            const s = summarise(r.latenciesUs, r.elapsedMs, r.errors);
            rounds[variant].medianUs.push(s.medianUs);
            rounds[variant].p99Us.push(s.p99Us);
            rounds[variant].throughput.push(s.throughput);
            rounds[variant].cpuUs.push((cpu1 - cpu0) / s.calls);
          }
        }
        const pick = (variant) => ({
          medianUs: median(rounds[variant].medianUs),
          p99Us: median(rounds[variant].p99Us),
          throughput: median(rounds[variant].throughput),
          cpuUsPerCall: median(rounds[variant].cpuUs),
        });
        rows.push({ chain, concurrency, fast: pick("fast"), connect: pick("connect"), rounds });
      }
    } finally {
      await gateway.stop();
    }
  }
  return {
    title: "Public API: JSON fast path vs connect-node (A/B in one gateway)",
    note: `Connect JSON Intercept over HTTP/1.1 keep-alive, N scripted Go plugins proceeding (0: a topic nobody intercepts). The same gateway process serves the request on its port (hand-written fast path) and on a second port through connect-node only; ${ROUNDS} alternating rounds each, medians of the rounds. "CPU/call" is the gateway process's user + system time per call (plugins excluded).`,
    columns: [
      "Chain",
      "Concurrency",
      "Fast median / p99",
      "connect-node median / p99",
      "Latency fast/connect",
      "Fast calls/s",
      "connect-node calls/s",
      "Throughput fast/connect",
      "Fast CPU/call",
      "connect-node CPU/call",
    ],
    rows: rows.map((d) => [
      String(d.chain),
      String(d.concurrency),
      latency(d.fast),
      latency(d.connect),
      times(ratio(d.fast.medianUs, d.connect.medianUs)),
      rate(d.fast.throughput),
      rate(d.connect.throughput),
      times(ratio(d.fast.throughput, d.connect.throughput)),
      time(d.fast.cpuUsPerCall),
      time(d.connect.cpuUsPerCall),
    ]),
    headlines: [],
    data: { rows },
  };
}
