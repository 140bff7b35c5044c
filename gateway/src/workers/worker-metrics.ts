import { Counter, Gauge, type Registry } from "prom-client";
import type { WorkerStatus } from "./worker-pool.js";

/** Exports the public-port workers' states and restarts into `registry` (read at scrape time). */
export function registerWorkerMetrics(registry: Registry, statuses: () => readonly WorkerStatus[]): void {
  new Gauge({
    name: "polyplug_workers",
    help: "Public-port worker processes by state (ready, starting, restarting); absent with workers: 1.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const state of ["ready", "starting", "restarting"] as const)
        this.set({ state }, statuses().filter((s) => s.state === state).length);
    },
  });
  const seen = new Map<number, number>();
  new Counter({
    name: "polyplug_worker_restarts_total",
    help: "Public-port worker processes that exited unexpectedly and were started again, by slot.",
    labelNames: ["worker"] as const,
    registers: [registry],
    collect() {
      for (const status of statuses()) {
        const before = seen.get(status.index) ?? 0;
        this.inc({ worker: String(status.index) }, Math.max(0, status.restarts - before));
        seen.set(status.index, Math.max(before, status.restarts));
      }
    },
  });
}
