// 4. End to end through the public API: an application POSTing Connect JSON to
// polyplug.v1.Gateway/Intercept, chains of 1, 5 and 10 Go plugins, concurrency 1 and 64.
// Baselines in the same run: the Go gateway (examples-go/bench/gogateway: net/http +
// go-plugin clients, the same chain on the same plugins, the same load generator) — the
// headline; the sum of the chain's hook calls (N × one TS-host round trip to the same
// plugin, measured on its own), the sum of the hook calls as measured inside the very chain
// (each answer's steps[].durationMs, so the difference is the gateway + HTTP overhead of
// that request), and go-plugin's Go host calling the same chain directly (no HTTP).
import { rmSync } from "node:fs";
import { CHAIN_TOPIC, writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { startGoGateway } from "../lib/go-gateway.mjs";
import { runGoHost } from "../lib/go-host.mjs";
import { paths } from "../lib/paths.mjs";
import { measurePublicApi as measure, rateWithCpu } from "../lib/public-load.mjs";
import { ratio, summarise } from "../lib/stats.mjs";
import { latency, rate, time, times } from "../lib/format.mjs";
import { runTsIntercept } from "../lib/ts-host.mjs";

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { chains, concurrencies, durationMs, warmup, warmupMs, warmupCalls, rounds } = w.e2e;
  log("end to end: one hook call on the scripted plugin (the unit of the sum)");
  const hookPhase = w.phase("hook", CHAIN_TOPIC, 1, { calls: 5000, durationMs });
  const hook = (await runTsIntercept([paths.goScripted], [hookPhase])).phases[0];
  const hookSummary = summarise(hook.latenciesUs, hook.elapsedMs, hook.errors);
  const data = [];
  for (const chain of chains) {
    log(`end to end, chain of ${chain}: Polyplug, the Go gateway and the Go chain`);
    // Both run at once (the idle one costs nothing) and each load is measured on one right
    // after the other, so a busy machine's drift hits both alike. Sandbox off: the Go
    // gateway runs its plugins unsandboxed, so both do the same work.
    const pluginsDir = writeChainPluginsDir(chain);
    const gateway = await startGatewayProcess("gateway", chain, [], { sandbox: "off" });
    const e2e = [];
    const goHttp = [];
    const goChain = [];
    try {
      const goGateway = await startGoGateway(pluginsDir);
      try {
        for (const concurrency of concurrencies) {
          // Row 5 (the longest chain): `rounds` turns of Polyplug, the Go gateway and go-plugin's
          // Go chain, and the turn with the median Polyplug / Go chain ratio is reported, so one
          // unlucky window on a shared machine does not decide the row.
          const turns = [];
          for (let round = 0; round < (chain === Math.max(...chains) ? rounds : 1); round++) {
            const polyplug = await measure(gateway, chain, concurrency, w.e2e);
            const goGatewayLoad = await measure(goGateway, chain, concurrency, w.e2e);
            // go-plugin's Go chain right after, while both gateways idle: the row 5 ratio compares
            // loads measured seconds apart, not minutes (the machine's load swings in between).
            const phase = w.phase(`c${concurrency}`, CHAIN_TOPIC, concurrency, {
              warmup: warmup * Math.min(concurrency, 8),
              durationMs,
            });
            const go = (
              await runGoHost({ workload: "intercept", command: [paths.goScripted], plugins: chain, phases: [phase] })
            ).phases[0];
            const goMedianUs = summarise(go.latenciesUs, go.elapsedMs, go.errors).medianUs;
            turns.push({ polyplug, goGatewayLoad, go, ratio: polyplug.medianUs / goMedianUs });
          }
          turns.sort((a, b) => a.ratio - b.ratio);
          const turn = turns[Math.floor((turns.length - 1) / 2)];
          e2e.push(turn.polyplug);
          goHttp.push(turn.goGatewayLoad);
          goChain.push(turn.go);
        }
      } finally {
        await goGateway.stop();
      }
    } finally {
      await gateway.stop();
      rmSync(pluginsDir, { recursive: true, force: true });
    }
    concurrencies.forEach((concurrency, i) => {
      const goSummary = summarise(goChain[i].latenciesUs, goChain[i].elapsedMs, goChain[i].errors);
      const sumUs = chain * hookSummary.medianUs;
      data.push({
        chain,
        concurrency,
        e2e: e2e[i],
        goGateway: goHttp[i],
        goChain: goSummary,
        sumOfHooksUs: sumUs,
        overSum: concurrency === 1 ? ratio(e2e[i].medianUs, sumUs) : Number.NaN,
        stepsUs: e2e[i].stepsUs,
        overSteps: e2e[i].overSteps,
        overheadUs: e2e[i].overheadUs,
        gatewayCpuUsPerStep: { user: e2e[i].userUsPerStep, system: e2e[i].systemUsPerStep },
        goGatewayCpuUsPerStep: { user: goHttp[i].userUsPerStep, system: goHttp[i].systemUsPerStep },
        loadGeneratorUsPerRequest: e2e[i].loadGeneratorUsPerRequest,
        latencyVsGoGateway: ratio(e2e[i].medianUs, goHttp[i].medianUs),
        throughputVsGoGateway: ratio(e2e[i].throughput, goHttp[i].throughput),
        latencyVsGo: ratio(e2e[i].medianUs, goSummary.medianUs),
        throughputVsGo: ratio(e2e[i].throughput, goSummary.throughput),
      });
    });
  }
  const find = (chain, concurrency) => data.find((d) => d.chain === chain && d.concurrency === concurrency);
  const longest = Math.max(...chains);
  const ten = find(longest, 1);
  const cpu = (c) => `${time(c.user + c.system)} (${time(c.user)} + ${time(c.system)})`;
  /** A #17 headline: Polyplug's figure next to its Go baseline's. */
  const vsGo = (issueRow, metric, d, kind, goal, met) =>
    d && {
      issueRow,
      metric,
      polyplug: kind === "throughput" ? `${rateWithCpu(d.e2e, d.chain)} (1 process)` : latency(d.e2e),
      baseline:
        kind === "throughput"
          ? `${rateWithCpu(d.goGateway, d.chain)} (Go gateway)`
          : `${latency(d.goGateway)} (Go gateway)`,
      value: kind === "throughput" ? d.throughputVsGoGateway : d.latencyVsGoGateway,
      goal,
      met: met(kind === "throughput" ? d.throughputVsGoGateway : d.latencyVsGoGateway),
    };
  const vsChain = (concurrency) => {
    const d = find(longest, concurrency);
    return (
      d && {
        issueRow: 5,
        metric: `chain of ${longest} over HTTP vs go-plugin's Go chain (no HTTP), median latency at c=${concurrency}`,
        polyplug: latency(d.e2e),
        baseline: `${latency(d.goChain)} (Go host chain)`,
        value: d.latencyVsGo,
        goal: "≤ 1.10×",
        met: d.latencyVsGo <= 1.1,
      }
    );
  };
  const c64 = Math.max(...concurrencies);
  return {
    title: "End to end (HTTP → gateway → chain of plugins)",
    note: `Connect JSON over HTTP/1.1 keep-alive to \`/polyplug.v1.Gateway/Intercept\`, the same load generator for both gateways (examples-go/bench/httpload: net/http's request writer and response parser, one connection per concurrent caller, in its own process; "Load generator CPU / request" is its CPU time per request while it loads Polyplug), each load measured on one right after the other, after the same warm-up on each (${warmup} calls, then at least ${warmupMs} ms and ${warmupCalls} calls of that load: Polyplug is measured with its JIT warm). Polyplug's gateway runs in its own process (AutoMTLS off, sandbox off) with N scripted Go plugins, each proceeding; "Go gateway" = examples-go/bench/gogateway, what a team would write instead (net/http, encoding/json, go-plugin \`plugin.NewClient\` clients, the same chain semantics), on the same plugins folder — the headline baseline. "Sum of hooks" = N × the median of one TS-host Intercept to the same plugin, measured on its own (${time(hookSummary.medianUs)} in this run); "HTTP / sum" = HTTP median over it. "Steps in chain" = the median over requests of the sum of that request's own step durations as the gateway reports them (\`steps[].durationMs\`: each plugin's hook call timed inside the chain, under the chain's real load); "HTTP / steps" = the median over requests of (HTTP latency / that sum) and "Overhead" = the median over requests of (HTTP latency − that sum): what the gateway and HTTP add around the hook calls. "CPU / step" = the gateway process's CPU time (user + system) over the measured window, per request and chain step (its HTTP work included). "Go chain" = go-plugin's Go host calling the same N plugins in turn, no HTTP, measured right after the two gateways at each concurrency; for the chain of ${Math.max(...chains)} the three take ${rounds} turns per concurrency and the turn with the median Polyplug / Go chain latency ratio is shown.`,
    columns: [
      "Chain",
      "Concurrency",
      "HTTP median / p99",
      "HTTP calls/s",
      "Go gateway median / p99",
      "Go gateway calls/s",
      "vs Go gateway latency",
      "vs Go gateway throughput",
      "Sum of hooks",
      "HTTP / sum",
      "Steps in chain",
      "HTTP / steps",
      "Overhead",
      "Gateway CPU / step",
      "Go gateway CPU / step",
      "Load generator CPU / request",
      "Go chain median / p99",
      "Go chain calls/s",
      "HTTP/Go chain latency",
      "HTTP/Go chain throughput",
    ],
    rows: data.map((d) => [
      String(d.chain),
      String(d.concurrency),
      latency(d.e2e),
      rate(d.e2e.throughput),
      latency(d.goGateway),
      rate(d.goGateway.throughput),
      times(d.latencyVsGoGateway),
      times(d.throughputVsGoGateway),
      d.concurrency === 1 ? time(d.sumOfHooksUs) : "",
      times(d.overSum),
      time(d.stepsUs),
      times(d.overSteps),
      time(d.overheadUs),
      cpu(d.gatewayCpuUsPerStep),
      cpu(d.goGatewayCpuUsPerStep),
      time(d.loadGeneratorUsPerRequest),
      latency(d.goChain),
      rate(d.goChain.throughput),
      times(d.latencyVsGo),
      times(d.throughputVsGo),
    ]),
    headlines: [
      vsGo(
        1,
        `public API, 1-plugin chain, calls/s at c=${c64} (Polyplug / Go gateway)`,
        find(1, c64),
        "throughput",
        "≥ 1.00×",
        (r) => r >= 1,
      ),
      vsGo(
        2,
        "public API, 1-plugin chain, median at c=1 (Polyplug / Go gateway)",
        find(1, 1),
        "latency",
        "≤ 1.20×",
        (r) => r <= 1.2,
      ),
      vsGo(
        3,
        `public API, 5-plugin chain, calls/s at c=${c64} (Polyplug / Go gateway)`,
        find(5, c64),
        "throughput",
        "≥ 1.00×",
        (r) => r >= 1,
      ),
      vsChain(1),
      vsChain(c64),
      ten && {
        metric: `chain of ${ten.chain} over HTTP vs the sum of its hook calls (N × one isolated call)`,
        value: ten.overSum,
        goal: "≤ 1.10×",
        met: ten.overSum <= 1.1,
      },
      ten && {
        metric: `chain of ${ten.chain} over HTTP vs the sum of its hook calls as timed in the chain (overhead ${time(ten.overheadUs)})`,
        value: ten.overSteps,
        goal: "≤ 1.10×",
        met: ten.overSteps <= 1.1,
      },
    ].filter(Boolean),
    data: { hook: hookSummary, rows: data },
  };
}
