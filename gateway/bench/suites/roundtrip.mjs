// 1. Hook round trip: one small Intercept, Go and Python plugins, TS host vs go-plugin's
// Go host on the same plugin binary; sequential (latency) and concurrent (throughput).
import { runGoHost } from "../lib/go-host.mjs";
import { conformancePlugins } from "../lib/paths.mjs";
import { ratio, summarise } from "../lib/stats.mjs";
import { latency, rate, times } from "../lib/format.mjs";
import { runTsIntercept } from "../lib/ts-host.mjs";

/**
 * Runs `phases` on `argv` under both hosts and pairs the summaries by phase.
 * @param {readonly string[]} argv
 * @param {readonly import("../lib/ts-host.mjs").Phase[]} phases
 * @param {Record<string, unknown>} [goJobExtra]  more fields of the Go host's job
 * @param {boolean} [goFirst]  run the Go host first (the TS host goes first by default)
 */
export async function compareHosts(argv, phases, goJobExtra = {}, goFirst = false) {
  const runGo = () => runGoHost({ workload: "intercept", command: argv, phases, ...goJobExtra });
  const go0 = goFirst ? await runGo() : undefined;
  const ts = await runTsIntercept(argv, phases);
  const go = go0 ?? (await runGo());
  return phases.map((phase, i) => {
    const t = ts.phases[i];
    const g = go.phases[i];
    const problems = [t.firstError && `TS: ${t.firstError}`, g.firstError && `Go: ${g.firstError}`].filter(Boolean);
    if (problems.length) throw new Error(`${phase.name} on ${argv.join(" ")}: ${problems.join("; ")}`);
    return {
      phase,
      ts: summarise(t.latenciesUs, t.elapsedMs, t.errors),
      go: summarise(g.latenciesUs, g.elapsedMs, g.errors),
    };
  });
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const data = [];
  for (const plugin of w.roundtrip.plugins) {
    log(`round trip, ${plugin} plugin`);
    const compared = await compareHosts(conformancePlugins[plugin], w.roundtrip.phases);
    const last = compared.length - 1;
    // More turns of the last (concurrency 64) phase, each host starting a fresh plugin: the turn
    // with the median throughput ratio stands for the phase.
    const turns = [compared[last]];
    for (let turn = 1; turn < w.roundtrip.turns; turn++)
      turns.push(...(await compareHosts(conformancePlugins[plugin], [compared[last].phase], {}, turn % 2 === 1)));
    turns.sort((a, b) => a.ts.throughput / a.go.throughput - b.ts.throughput / b.go.throughput);
    log(
      `round trip, ${plugin} plugin, concurrency 64, TS/Go calls/s per turn: ${turns.map((t) => times(ratio(t.ts.throughput, t.go.throughput))).join(", ")}`,
    );
    compared[last] = turns[Math.floor((turns.length - 1) / 2)];
    for (const { phase, ts, go } of compared) {
      data.push({
        plugin,
        load: phase.name,
        concurrency: phase.concurrency,
        ts,
        go,
        latencyRatio: ratio(ts.medianUs, go.medianUs),
        p99Ratio: ratio(ts.p99Us, go.p99Us),
        throughputRatio: ratio(ts.throughput, go.throughput),
      });
    }
  }
  const find = (plugin, concurrency) => data.find((d) => d.plugin === plugin && d.concurrency === concurrency);
  return {
    title: "Hook round trip (one small Intercept)",
    note: `Same plugin binary under Polyplug's TS host (startPlugin + client(Plugin).intercept) and go-plugin's Go host (plugin.NewClient); unix socket, no TLS. Concurrency 64: the median of ${w.roundtrip.turns} turns by TS/Go throughput ratio (fresh plugins each turn, the hosts taking turns going first). Latency ratio: TS median / Go median (lower is better); throughput ratio: TS calls/s / Go calls/s (higher is better).`,
    columns: [
      "Plugin",
      "Load",
      "TS host median / p99",
      "Go host median / p99",
      "TS calls/s",
      "Go calls/s",
      "TS/Go latency",
      "TS/Go throughput",
    ],
    rows: data.map((d) => [
      d.plugin,
      d.load,
      latency(d.ts),
      latency(d.go),
      rate(d.ts.throughput),
      rate(d.go.throughput),
      times(d.latencyRatio),
      times(d.throughputRatio),
    ]),
    headlines: [
      ...[1, 64]
        .map((concurrency) => find("go", concurrency))
        .filter(Boolean)
        .map((d) => ({
          issueRow: 6,
          metric: `hook round trip p99, TS host / Go host, go plugin, ${d.load}`,
          polyplug: latency(d.ts),
          baseline: `${latency(d.go)} (Go host)`,
          value: d.p99Ratio,
          goal: "≤ 1.50×",
          met: d.p99Ratio <= 1.5,
        })),
      ...w.roundtrip.plugins.flatMap((plugin) => [
        {
          metric: `${plugin} plugin, sequential latency (TS/Go median)`,
          value: find(plugin, 1)?.latencyRatio,
          goal: "≤ 1.20×",
          met: find(plugin, 1)?.latencyRatio <= 1.2,
        },
        {
          metric: `${plugin} plugin, throughput at concurrency 64 (TS/Go)`,
          value: find(plugin, 64)?.throughputRatio,
          goal: "≥ 1.00×",
          met: find(plugin, 64)?.throughputRatio >= 1,
        },
      ]),
    ],
    data,
  };
}
