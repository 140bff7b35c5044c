// Store backends side by side: the embedded SQLite store and PostgreSQL (cluster mode), in
// one run on the same machine. (1) KV operations on the store itself, in process: set, get
// and compare-and-set increments, sequential and 16 at once. (2) Through a whole gateway
// (its own process, like e2e): a KV write through a plugin (Intercept → scripted plugin →
// GatewayAPI KvSet → store) and a chain of 5 proceeding plugins, concurrency 1 and 16.
// PostgreSQL is a throwaway server (.ci/postgres.mjs) with fsync on. Figures, not goals.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startThrowawayPostgres } from "../../../.ci/postgres.mjs";
import { openPostgresStore, openSqliteStore } from "../../dist/entry/store.js";
import { CHAIN_TOPIC } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { httpLoad } from "../lib/http-load.mjs";
import { latency, rate, times } from "../lib/format.mjs";
import { ratio, summarise } from "../lib/stats.mjs";

/** Runs `op(i)` from `concurrency` loops for `durationMs` (at least `minCalls`); latencies in µs. */
async function storeLoad(op, concurrency, durationMs, minCalls) {
  const latenciesUs = [];
  let errors = 0;
  let n = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (performance.now() - t0 < durationMs || latenciesUs.length < minCalls) {
      const started = performance.now();
      try {
        await op(n++);
        latenciesUs.push((performance.now() - started) * 1000);
      } catch {
        errors++;
        if (errors > 100) throw new Error("more than 100 store errors");
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return summarise(latenciesUs, performance.now() - t0, errors);
}

/** The KV operations measured on each store. */
function kvOps(store) {
  const value = new Uint8Array(256).fill(7);
  const increment = async (key) => {
    for (;;) {
      const current = await store.kvGet("bench", key);
      const next = new TextEncoder().encode(
        String(Number(current ? new TextDecoder().decode(current.value) : "0") + 1),
      );
      if ((await store.kvSet("bench", key, next, current ? { ifEquals: current.value } : { ifAbsent: true })).applied)
        return;
    }
  };
  return [
    { name: "set (256 B)", op: (i) => store.kvSet("bench", `k${i % 10_000}`, value) },
    { name: "get", op: (i) => store.kvGet("bench", `k${i % 10_000}`) },
    { name: "CAS increment, own key", op: (i) => increment(`c${i % 64}`) },
  ];
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const durationMs = w.e2e.durationMs;
  const warmup = w.e2e.warmup;
  const concurrencies = [1, 16];
  log("store: starting a throwaway PostgreSQL (fsync on)");
  const pg = await startThrowawayPostgres({ fsync: true });
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-bench-store-"));
  const rows = [];
  const data = { kv: [], gateway: [] };
  try {
    const backends = {
      sqlite: () => openSqliteStore(path.join(dir, `kv-${Date.now()}.db`), { sweepIntervalMs: 0 }),
      postgres: () => openPostgresStore(pg.url, { sweepIntervalMs: 0, maxConnections: 16 }),
    };
    for (const [backend, open] of Object.entries(backends)) {
      log(`store: KV operations on ${backend}`);
      const store = await open();
      try {
        for (const { name, op } of kvOps(store)) {
          for (const concurrency of concurrencies) {
            await storeLoad(op, concurrency, 0, Math.min(warmup, 200));
            data.kv.push({
              backend,
              operation: name,
              concurrency,
              ...(await storeLoad(op, concurrency, durationMs, 2)),
            });
          }
        }
      } finally {
        await store.close();
      }
    }
    for (const [backend, database] of [
      ["sqlite", undefined],
      ["postgres", pg.url],
    ]) {
      for (const [what, chain, topic, payload] of [
        ["KV write through a plugin", 1, "test.kv", { kv: { op: "set", key: "k", value: "v" } }],
        ["chain of 5, proceeding", 5, CHAIN_TOPIC, { message: "bench" }],
      ]) {
        log(`store: gateway on ${backend}, ${what}`);
        const gateway = await startGatewayProcess("gateway", chain, [], database ? { database } : {});
        try {
          for (const concurrency of concurrencies) {
            const load = {
              url: `${gateway.url}/polyplug.v1.Gateway/Intercept`,
              body: { topic, payload },
              concurrency,
              minCalls: 2,
              check: () => undefined,
            };
            await httpLoad({ ...load, warmup: warmup * Math.min(concurrency, 8), durationMs: 0 });
            const r = await httpLoad({ ...load, warmup: 0, durationMs });
            if (r.firstError) throw new Error(`${backend} ${what} c${concurrency}: ${r.firstError}`);
            data.gateway.push({
              backend,
              operation: what,
              concurrency,
              ...summarise(r.latenciesUs, r.elapsedMs, r.errors),
            });
          }
        } finally {
          await gateway.stop();
        }
      }
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const kind of ["kv", "gateway"]) {
    for (const sqlite of data[kind].filter((d) => d.backend === "sqlite")) {
      const postgres = data[kind].find(
        (d) => d.backend === "postgres" && d.operation === sqlite.operation && d.concurrency === sqlite.concurrency,
      );
      if (!postgres) continue;
      rows.push([
        kind === "kv" ? `store: ${sqlite.operation}` : `gateway: ${sqlite.operation}`,
        String(sqlite.concurrency),
        latency(sqlite),
        rate(sqlite.throughput),
        latency(postgres),
        rate(postgres.throughput),
        times(ratio(postgres.throughput, sqlite.throughput)),
      ]);
    }
  }
  return {
    title: "Store backends (SQLite vs PostgreSQL)",
    note: '"store:" rows call the store in process (openSqliteStore / openPostgresStore, pool of 16); "gateway:" rows POST Connect JSON Intercepts to a gateway in its own process, with the scripted Go plugin(s): "KV write" = the plugin\'s KvSet per request, "chain of 5" = five plugins proceeding (the store is not on that path; cluster mode\'s LISTEN and heartbeat run). SQLite: WAL, synchronous=NORMAL (a commit survives a process kill, not a power cut). PostgreSQL 15: a local throwaway server over loopback TCP, fsync on, synchronous_commit on (a commit survives a power cut). Same machine, same run.',
    columns: [
      "Workload",
      "Concurrency",
      "SQLite median / p99",
      "SQLite ops/s",
      "PostgreSQL median / p99",
      "PostgreSQL ops/s",
      "PG / SQLite throughput",
    ],
    rows,
    headlines: [],
    data,
  };
}
