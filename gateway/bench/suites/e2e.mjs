// 4. End to end through the public API: an application POSTing Connect JSON to
// polyplug.v1.Gateway/Intercept, chains of 1, 5 and 10 Go plugins, concurrency 1 and 64.
// Baselines in the same run: the sum of the chain's hook calls (N × one TS-host round trip
// to the same plugin, measured on its own), the sum of the hook calls as measured inside the
// very chain (each answer's steps[].durationMs, so the difference is the gateway + HTTP
// overhead of that request), and go-plugin's Go host calling the same chain directly (no HTTP).
import { CHAIN_TOPIC } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { runGoHost } from "../lib/go-host.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { paths } from "../lib/paths.mjs";
import { median, quantile, ratio, summarise } from "../lib/stats.mjs";
import { latency, rate, time, times } from "../lib/format.mjs";
import { benchPayload, runTsIntercept } from "../lib/ts-host.mjs";

/** @param {any} json */
function checkAllowed(json) {
  if (json.allowed !== true) throw new Error(`the gateway did not allow the event: ${JSON.stringify(json).slice(0, 300)}`);
}

/** The sum of the chain's step durations an Intercept answer reports, in µs. @param {any} json */
function stepsUs(json) {
  return json.steps.reduce((sum, step) => sum + step.durationMs, 0) * 1000;
}

/**
 * Per request: HTTP latency over, and minus, the sum of its own chain steps; medians of both.
 * @param {{latencyUs: number, innerUs: number}[]} paired
 */
function inChain(paired) {
  return {
    stepsUs: median(paired.map((p) => p.innerUs)),
    // Not `median`: it rounds to one decimal, too coarse for a ratio near 1.
    overSteps: ratio(quantile(paired.map((p) => p.latencyUs / p.innerUs).sort((a, b) => a - b), 0.5), 1),
    overheadUs: median(paired.map((p) => p.latencyUs - p.innerUs)),
  };
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { chains, concurrencies, durationMs, warmup } = w.e2e;
  log("end to end: one hook call on the scripted plugin (the unit of the sum)");
  const hookPhase = w.phase("hook", CHAIN_TOPIC, 1, { calls: 5000, durationMs });
  const hook = (await runTsIntercept([paths.goScripted], [hookPhase])).phases[0];
  const hookSummary = summarise(hook.latenciesUs, hook.elapsedMs, hook.errors);
  const data = [];
  for (const chain of chains) {
    log(`end to end, chain of ${chain}`);
    const gateway = await startGatewayProcess("gateway", chain);
    const e2e = [];
    try {
      for (const concurrency of concurrencies) {
        const load = { url: `${gateway.url}/polyplug.v1.Gateway/Intercept`, body: { topic: CHAIN_TOPIC, payload: benchPayload(0) }, concurrency, minCalls: 2, check: checkAllowed };
        await httpLoad({ ...load, warmup: warmup * Math.min(concurrency, 8), durationMs: 0 });
        const before = await gateway.cpuTimes();
        const r = await httpLoad({ ...load, warmup: 0, durationMs, inner: stepsUs });
        const after = await gateway.cpuTimes();
        if (r.firstError) throw new Error(`chain ${chain}, concurrency ${concurrency}: ${r.firstError}`);
        const perStep = (us) => us / r.latenciesUs.length / chain;
        const cpu = { userUsPerStep: perStep(after.userUs - before.userUs), systemUsPerStep: perStep(after.systemUs - before.systemUs) };
        e2e.push({ ...summarise(r.latenciesUs, r.elapsedMs, r.errors), ...inChain(r.paired), ...cpu });
      }
    } finally {
      await gateway.stop();
    }
    const goPhases = concurrencies.map((c) => w.phase(`c${c}`, CHAIN_TOPIC, c, { warmup: warmup * Math.min(c, 8), durationMs }));
    const go = await runGoHost({ workload: "intercept", command: [paths.goScripted], plugins: chain, phases: goPhases });
    concurrencies.forEach((concurrency, i) => {
      const goSummary = summarise(go.phases[i].latenciesUs, go.phases[i].elapsedMs, go.phases[i].errors);
      const sumUs = chain * hookSummary.medianUs;
      data.push({
        chain,
        concurrency,
        e2e: e2e[i],
        goChain: goSummary,
        sumOfHooksUs: sumUs,
        overSum: concurrency === 1 ? ratio(e2e[i].medianUs, sumUs) : Number.NaN,
        stepsUs: e2e[i].stepsUs,
        overSteps: e2e[i].overSteps,
        overheadUs: e2e[i].overheadUs,
        gatewayCpuUsPerStep: { user: e2e[i].userUsPerStep, system: e2e[i].systemUsPerStep },
        latencyVsGo: ratio(e2e[i].medianUs, goSummary.medianUs),
        throughputVsGo: ratio(e2e[i].throughput, goSummary.throughput),
      });
    });
  }
  const ten = data.find((d) => d.chain === Math.max(...chains) && d.concurrency === 1);
  return {
    title: "End to end (HTTP → gateway → chain of plugins)",
    note: `Connect JSON over HTTP/1.1 keep-alive to \`/polyplug.v1.Gateway/Intercept\`; the gateway runs in its own process (AutoMTLS off) with N scripted Go plugins, each proceeding. "Sum of hooks" = N × the median of one TS-host Intercept to the same plugin, measured on its own (${time(hookSummary.medianUs)} in this run); "HTTP / sum" = HTTP median over it. "Steps in chain" = the median over requests of the sum of that request's own step durations as the gateway reports them (\`steps[].durationMs\`: each plugin's hook call timed inside the chain, under the chain's real load); "HTTP / steps" = the median over requests of (HTTP latency / that sum) and "Overhead" = the median over requests of (HTTP latency − that sum): what the gateway and HTTP add around the hook calls. "Gateway CPU / step" = the gateway process's CPU time (user + system) over the measured window, per request and chain step (its HTTP work included). "Go chain" = go-plugin's Go host calling the same N plugins in turn, no HTTP.`,
    columns: ["Chain", "Concurrency", "HTTP median / p99", "HTTP calls/s", "Sum of hooks", "HTTP / sum", "Steps in chain", "HTTP / steps", "Overhead", "Gateway CPU / step", "Go chain median / p99", "Go chain calls/s", "HTTP/Go latency", "HTTP/Go throughput"],
    rows: data.map((d) => [
      String(d.chain),
      String(d.concurrency),
      latency(d.e2e),
      rate(d.e2e.throughput),
      d.concurrency === 1 ? time(d.sumOfHooksUs) : "",
      times(d.overSum),
      time(d.stepsUs),
      times(d.overSteps),
      time(d.overheadUs),
      `${time(d.gatewayCpuUsPerStep.user + d.gatewayCpuUsPerStep.system)} (${time(d.gatewayCpuUsPerStep.user)} + ${time(d.gatewayCpuUsPerStep.system)})`,
      latency(d.goChain),
      rate(d.goChain.throughput),
      times(d.latencyVsGo),
      times(d.throughputVsGo),
    ]),
    headlines: ten
      ? [
          { metric: `chain of ${ten.chain} over HTTP vs the sum of its hook calls (N × one isolated call)`, value: ten.overSum, goal: "≤ 1.10×", met: ten.overSum <= 1.1 },
          {
            metric: `chain of ${ten.chain} over HTTP vs the sum of its hook calls as timed in the chain (overhead ${time(ten.overheadUs)})`,
            value: ten.overSteps,
            goal: "≤ 1.10×",
            met: ten.overSteps <= 1.1,
          },
        ]
      : [],
    data: { hook: hookSummary, rows: data },
  };
}
