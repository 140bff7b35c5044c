// Public-port workers (serve config `workers`): the same Intercept over HTTP as the e2e suite
// (Connect JSON, HTTP/1.1 keep-alive, c=64, chains of 1, 5 and 10 scripted Go plugins), with the
// gateway serving its public port from 1 process (today's default) and from 2 worker processes
// (and from as many as the machine has cores, when that is more), all in the same run.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { CHAIN_TOPIC, writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { paths } from "../lib/paths.mjs";
import { ratio, summarise } from "../lib/stats.mjs";
import { latency, rate, time, times } from "../lib/format.mjs";
import { benchPayload } from "../lib/ts-host.mjs";

const CONCURRENCY = 64;

// The gateway in a process of its own (the load generator must not share its event loop):
// prints {"url"} when every plugin is active and every worker listens; stops on stdin "stop".
const CHILD = `
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
const [indexUrl, pinoUrl, pluginsDir, workers] = process.argv.slice(1);
const { createGateway } = await import(indexUrl);
const { pino } = await import(pinoUrl);
const dataDir = mkdtempSync(path.join(tmpdir(), "polyplug-bench-workers-"));
const gateway = await createGateway({ pluginsDirs: [pluginsDir], dataDir, port: 0, autoMtls: false, logger: pino({ level: "warn" }, pino.destination(2)), workers: Number(workers) });
process.stdout.write(JSON.stringify({ url: gateway.url }) + "\\n");
// CPU time (user + system, µs) of the gateway process and its workers so far, from /proc.
const cpuUs = (pid) => {
  const fields = readFileSync("/proc/" + pid + "/stat", "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
};
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "cpu") process.stdout.write(JSON.stringify({ cpuUs: [process.pid, ...gateway.workers().map((w) => w.pid)].reduce((sum, pid) => sum + cpuUs(pid), 0) }) + "\\n");
  if (line === "stop") break;
}
await gateway.stop();
process.exit(0);
`;

/** @param {number} chain @param {number} workers @returns {Promise<{url: string, stop: () => Promise<void>}>} */
async function startGateway(chain, workers) {
  const pluginsDir = writeChainPluginsDir(chain);
  const indexUrl = pathToFileURL(path.join(paths.gateway, "dist", "index.js")).href;
  const pinoUrl = pathToFileURL(path.join(paths.repo, "node_modules", "pino", "pino.js")).href;
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", CHILD, indexUrl, pinoUrl, pluginsDir, String(workers)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    // Worker processes log to the same stdout: the answer is the line with the URL.
    lines.on("line", (line) => {
      if (line.startsWith('{"url"')) resolve(line);
    });
    child.once("exit", (code) =>
      reject(new Error(`gateway with ${workers} workers exited (${code}) before it was ready`)),
    );
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    url: JSON.parse(String(first)).url,
    cpuUs: () =>
      new Promise((resolve) => {
        const onLine = (line) => {
          if (!line.startsWith('{"cpuUs"')) return;
          lines.off("line", onLine);
          resolve(JSON.parse(line).cpuUs);
        };
        lines.on("line", onLine);
        child.stdin.write("cpu\n");
      }),
    stop: async () => {
      child.stdin.end("stop\n");
      await exited;
    },
  };
}

/** @param {any} json */
function checkAllowed(json) {
  if (json.allowed !== true)
    throw new Error(`the gateway did not allow the event: ${JSON.stringify(json).slice(0, 300)}`);
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { chains, durationMs, warmup } = w.e2e;
  const cores = availableParallelism();
  const counts = [...new Set([1, 2, cores])].sort((a, b) => a - b);
  const data = [];
  // Other load on the machine drifts over minutes: the worker counts take turns (1, 2, …, 1, 2, …)
  // and each keeps its best round, so drift does not favour whichever ran first.
  const rounds = w.e2e.durationMs >= 1000 ? 2 : 1;
  for (const chain of chains) {
    /** @type {Map<number, any>} */
    const best = new Map();
    for (let round = 0; round < rounds; round++) {
      for (const workers of counts) {
        log(`workers: ${workers}, chain of ${chain}, concurrency ${CONCURRENCY}, round ${round + 1}/${rounds}`);
        const gateway = await startGateway(chain, workers);
        try {
          const load = {
            url: `${gateway.url}/polyplug.v1.Gateway/Intercept`,
            body: { topic: CHAIN_TOPIC, payload: benchPayload(0) },
            concurrency: CONCURRENCY,
            minCalls: 2,
            check: checkAllowed,
          };
          await httpLoad({ ...load, warmup: warmup * 8, durationMs: 0 });
          const cpuBefore = await gateway.cpuUs();
          const r = await httpLoad({ ...load, warmup: 0, durationMs });
          const cpuAfter = await gateway.cpuUs();
          if (r.firstError) throw new Error(`workers ${workers}, chain ${chain}: ${r.firstError}`);
          const summary = {
            workers,
            ...summarise(r.latenciesUs, r.elapsedMs, r.errors),
            gatewayCpuUsPerCall: (cpuAfter - cpuBefore) / r.latenciesUs.length,
            gatewayCores: (cpuAfter - cpuBefore) / 1000 / r.elapsedMs,
          };
          if (!best.has(workers) || summary.throughput > best.get(workers).throughput) best.set(workers, summary);
        } finally {
          await gateway.stop();
        }
      }
    }
    const one = best.get(1);
    for (const row of best.values()) data.push({ chain, ...row, vsOne: ratio(row.throughput, one.throughput) });
  }
  const two = data.filter((d) => d.workers === 2);
  return {
    title: "Public-port workers (serve config `workers`)",
    note: `The e2e suite's Intercept over HTTP (Connect JSON, keep-alive, concurrency ${CONCURRENCY}, AutoMTLS off, scripted Go plugins proceeding), the gateway serving its public port from 1 process (the default) or N worker processes (each with its own plugin connections; supervision in the gateway process). This machine has ${cores} cores, shared by the load generator (one Node process), the gateway and its plugins: the figures show how the public path scales here, not on a larger host. "× 1 worker" = calls/s over the 1-process figure of the same chain; "Gateway CPU / call" and "cores busy" = CPU time (user + system) of the gateway process and its workers over the measured window, per call and per second of it (the plugins not included). Each configuration ran ${rounds} time(s), taking turns; the table shows each one's best round.`,
    columns: ["Chain", "Workers", "Median / p99", "Calls/s", "× 1 worker", "Gateway CPU / call", "Gateway cores busy"],
    rows: data.map((d) => [
      String(d.chain),
      String(d.workers),
      latency(d),
      rate(d.throughput),
      times(d.vsOne),
      time(d.gatewayCpuUsPerCall),
      d.gatewayCores.toFixed(2),
    ]),
    headlines: two.map((d) => ({
      metric: `calls/s at c=${CONCURRENCY}, chain of ${d.chain}: 2 workers vs 1 (${cores} cores)`,
      value: d.vsOne,
      goal: "> 1.0×",
      met: d.vsOne > 1,
    })),
    data: { cores, rows: data },
  };
}
