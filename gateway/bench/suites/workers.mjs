// Public-port workers (serve config `workers`): how the public API's throughput scales with
// cores and with plugins in the chain, next to the Go gateway. The e2e suite's Intercept over
// HTTP (Connect JSON, HTTP/1.1 keep-alive, c=64, chains of 1, 5 and 10 scripted Go plugins),
// with Polyplug serving its public port from 1 process (the default), from 2 worker processes
// and from as many as the machine has cores, and the Go gateway on the same plugins, taking
// turns in the same run with the e2e suite's warm-up and CPU accounting (lib/public-load.mjs).
import { rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { startGoGateway } from "../lib/go-gateway.mjs";
import { measurePublicApi, rateWithCpu } from "../lib/public-load.mjs";
import { ratio } from "../lib/stats.mjs";
import { latency, rate, time, times } from "../lib/format.mjs";

const CONCURRENCY = 64;

/** @param {number | undefined} workers  undefined = the Go gateway */
const label = (workers) =>
  workers === undefined ? "Go gateway" : workers === 1 ? "Polyplug, 1 process" : `Polyplug, ${workers} workers`;

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { chains, durationMs } = w.e2e;
  const cores = availableParallelism();
  const counts = [...new Set([1, 2, cores])].sort((a, b) => a - b);
  // Other load on the machine drifts over minutes: the gateways take turns (1, 2, …, Go, 1, 2, …)
  // and each keeps its best round, so drift does not favour whichever ran first.
  const rounds = durationMs >= 1000 ? 2 : 1;
  // The first turn of each gateway warms it as the e2e suite does (JIT warm: at least warmupMs
  // and warmupCalls of this load; e2e's short warm-up before that is left out to keep the suite
  // short); later turns only re-open the load generator's connections.
  const first = { ...w.e2e, warmup: 0 };
  const again = { ...w.e2e, warmup: Math.ceil(w.e2e.warmup / 8), warmupMs: 0, warmupCalls: 0 };
  const data = [];
  for (const chain of chains) {
    log(`workers: chain of ${chain}, Polyplug with ${counts.join(", ")} worker(s) and the Go gateway`);
    // All run at once (an idle gateway costs nothing) on copies of the same plugins folder.
    const pluginsDir = writeChainPluginsDir(chain);
    /** @type {{workers: number | undefined, gateway: import("../lib/gateway-process.mjs").GatewayProcess}[]} */
    const gateways = [];
    try {
      for (const workers of counts)
        gateways.push({
          workers,
          gateway: await startGatewayProcess("gateway", chain, [], { sandbox: "off", workers }),
        });
      gateways.push({ workers: undefined, gateway: await startGoGateway(pluginsDir) });
      /** @type {Map<number | undefined, any>} */
      const best = new Map();
      for (let round = 0; round < rounds; round++) {
        for (const { workers, gateway } of gateways) {
          log(`workers: ${label(workers)}, chain of ${chain}, c=${CONCURRENCY}, round ${round + 1}/${rounds}`);
          const m = await measurePublicApi(gateway, chain, CONCURRENCY, round === 0 ? first : again);
          if (!best.has(workers) || m.throughput > best.get(workers).throughput) best.set(workers, m);
        }
      }
      const one = best.get(1);
      const go = best.get(undefined);
      for (const [workers, m] of best)
        data.push({
          chain,
          workers: workers ?? null,
          ...m,
          cpuUsPerRequest: (m.userUsPerStep + m.systemUsPerStep) * chain,
          vsOne: workers === undefined ? Number.NaN : ratio(m.throughput, one.throughput),
          vsGoGateway: ratio(m.throughput, go.throughput),
        });
    } finally {
      for (const { gateway } of gateways) await gateway.stop();
      rmSync(pluginsDir, { recursive: true, force: true });
    }
  }
  const find = (chain, workers) => data.find((d) => d.chain === chain && d.workers === workers);
  /** #17 rows 1 and 3 with Polyplug using the machine's cores, next to its 1-process figure and the Go gateway's. */
  const onCores = (issueRow, chain) => {
    const [n, one, go] = [find(chain, cores), find(chain, 1), find(chain, null)];
    return (
      n && {
        issueRow,
        metric: `public API, ${chain}-plugin chain, calls/s at c=${CONCURRENCY}, ${cores} workers = the machine's cores (Polyplug / Go gateway)`,
        polyplug: `${rateWithCpu(n, chain)} (1 process in this suite: ${rateWithCpu(one, chain)})`,
        baseline: `${rateWithCpu(go, chain)} (Go gateway)`,
        value: n.vsGoGateway,
        goal: "≥ 1.00×",
        met: n.vsGoGateway >= 1,
      }
    );
  };
  return {
    title: "Public-port workers (serve config `workers`) next to the Go gateway",
    note: `The e2e suite's Intercept over HTTP (Connect JSON, keep-alive, concurrency ${CONCURRENCY}, AutoMTLS and sandbox off, scripted Go plugins proceeding), Polyplug serving its public port from 1 process (the default) or N worker processes (each with its own plugin connections; supervision in the gateway process), and the Go gateway (examples-go/bench/gogateway) on the same plugins. This machine has ${cores} cores, shared by the load generator (one Node process), the gateways and their plugins: the figures show how the public path scales here, not on a larger host. Before its first turn each gateway is loaded at least ${w.e2e.warmupMs} ms and ${w.e2e.warmupCalls} calls (JIT warm, as in the e2e suite), before later turns ${again.warmup * Math.min(CONCURRENCY, 8)} calls; they take turns, ${rounds} round(s), and the table shows each one's best round. "× 1 process" / "× Go gateway" = calls/s over Polyplug's 1-process figure / the Go gateway's, same chain; "Gateway CPU / request" and "cores busy" = CPU time (user + system) of the gateway process (and its workers) over the measured window, per request and per second of it (the plugins not included).`,
    columns: [
      "Chain",
      "Gateway",
      "Median / p99",
      "Calls/s",
      "× 1 process",
      "× Go gateway",
      "Gateway CPU / request",
      "Gateway cores busy",
    ],
    rows: data.map((d) => [
      String(d.chain),
      label(d.workers ?? undefined),
      latency(d),
      rate(d.throughput),
      times(d.vsOne),
      times(d.vsGoGateway),
      time(d.cpuUsPerRequest),
      d.cores.toFixed(2),
    ]),
    headlines: [
      onCores(1, 1),
      onCores(3, 5),
      ...data
        .filter((d) => d.workers === 2)
        .map((d) => ({
          metric: `calls/s at c=${CONCURRENCY}, chain of ${d.chain}: 2 workers vs 1 (${cores} cores)`,
          value: d.vsOne,
          goal: "> 1.0×",
          met: d.vsOne > 1,
        })),
    ].filter(Boolean),
    data: { cores, rows: data },
  };
}
