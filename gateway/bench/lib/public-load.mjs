// One load on the public API of a running gateway (Polyplug's, with any number of workers,
// or the Go gateway): the same Intercept, warm-up and CPU accounting for every suite that
// compares them (e2e, workers), so their figures are measured alike.
import { CHAIN_TOPIC } from "./chain-plugins.mjs";
import { rate, time } from "./format.mjs";
import { goHttpLoad } from "./go-http-load.mjs";
import { median, quantile, ratio, summarise } from "./stats.mjs";
import { benchPayload } from "./ts-host.mjs";

/**
 * Per request: HTTP latency over, and minus, the sum of its own chain steps; medians of both.
 * @param {{latencyUs: number, innerUs: number}[]} paired
 */
function inChain(paired) {
  return {
    stepsUs: median(paired.map((p) => p.innerUs)),
    // Not `median`: it rounds to one decimal, too coarse for a ratio near 1.
    overSteps: ratio(
      quantile(
        paired.map((p) => p.latencyUs / p.innerUs).sort((a, b) => a - b),
        0.5,
      ),
      1,
    ),
    overheadUs: median(paired.map((p) => p.latencyUs - p.innerUs)),
  };
}

/**
 * The public API of a running gateway (either language) under one load, after a warm-up of
 * `warmup` × min(concurrency, 8) calls and then at least `warmupMs` and `warmupCalls` more
 * (Polyplug is measured with its JIT warm, as a long-running gateway is): latency summary,
 * in-chain figures and the gateway's CPU per step (its workers included).
 * @param {import("./gateway-process.mjs").GatewayProcess} gateway
 * @param {number} chain
 * @param {number} concurrency
 * @param {{durationMs: number, warmup: number, warmupMs: number, warmupCalls: number}} load
 */
export async function measurePublicApi(gateway, chain, concurrency, { durationMs, warmup, warmupMs, warmupCalls }) {
  let before;
  const r = await goHttpLoad(
    {
      url: `${gateway.url}/polyplug.v1.Gateway/Intercept`,
      body: { topic: CHAIN_TOPIC, payload: benchPayload(0) },
      concurrency,
      warmupCalls: warmup * Math.min(concurrency, 8) + warmupCalls,
      warmupMs,
      durationMs,
      minCalls: 2,
    },
    async () => {
      before = await gateway.cpuTimes();
    },
  );
  const after = await gateway.cpuTimes();
  if (r.firstError) throw new Error(`chain ${chain}, concurrency ${concurrency}: ${r.firstError}`);
  const perStep = (us) => us / r.latenciesUs.length / chain;
  const cpu = {
    userUsPerStep: perStep(after.userUs - before.userUs),
    systemUsPerStep: perStep(after.systemUs - before.systemUs),
    /** Cores the gateway kept busy over the measured window (CPU time / wall time). */
    cores: (after.userUs - before.userUs + after.systemUs - before.systemUs) / 1000 / r.elapsedMs,
  };
  return {
    ...summarise(r.latenciesUs, r.elapsedMs, r.errors),
    ...inChain(r.paired),
    ...cpu,
    /** The load generator's own CPU time per request (not the gateway's). */
    loadGeneratorUsPerRequest: r.cpuUsPerRequest,
  };
}

/**
 * A throughput figure with the gateway's CPU time per request next to it, for the headline
 * (CPU per request depends less on other load on the machine than calls/s do).
 * @param {{throughput: number, userUsPerStep: number, systemUsPerStep: number}} m  a measurePublicApi result
 * @param {number} chain
 */
export function rateWithCpu(m, chain) {
  return `${rate(m.throughput)}, CPU ${time((m.userUsPerStep + m.systemUsPerStep) * chain)} / request`;
}
