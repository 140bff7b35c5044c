import { Counter, Gauge, type Registry } from "prom-client";

/**
 * What the public server's admission control counts (surfaces/public-server.ts's
 * PublicServerStats has this shape): current levels and totals since start.
 */
export interface PublicServerCounters {
  readonly connections: { readonly open: number; readonly refused: Readonly<Record<string, number>> };
  readonly rapidResetSessions: number;
  readonly requestTimeouts: number;
  readonly calls: {
    readonly inFlight: number;
    readonly queued: number;
    readonly shed: Readonly<Record<string, number>>;
  };
  readonly webSocketRefused: number;
}

/**
 * Registers the public server's admission metrics in `registry`, read from `read()` at
 * scrape time (undefined: no public server yet, nothing is exported). Totals kept by the
 * server become Prometheus counters advanced by what changed since the last scrape.
 */
export function registerPublicServerMetrics(registry: Registry, read: () => PublicServerCounters | undefined): void {
  const seen = new Map<string, number>();
  const advance = (counter: Counter<string>, key: string, total: number, labels: Record<string, string> = {}) => {
    const before = seen.get(key) ?? 0;
    counter.inc(labels, Math.max(0, total - before));
    seen.set(key, Math.max(before, total));
  };
  new Gauge({
    name: "polyplug_public_connections",
    help: "Open connections on the public port.",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) this.set(stats.connections.open);
    },
  });
  new Counter({
    name: "polyplug_public_connections_refused_total",
    help: "Connections closed at once by the public port's caps, by reason (max_connections, max_per_address).",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const stats = read();
      for (const [reason, total] of Object.entries(stats?.connections.refused ?? {}))
        advance(this, `refused.${reason}`, total, { reason });
    },
  });
  new Gauge({
    name: "polyplug_public_calls_in_flight",
    help: "Chain calls (Intercept, Notify, ExecuteCommand, /plugins/ HTTP) running now.",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) this.set(stats.calls.inFlight);
    },
  });
  new Gauge({
    name: "polyplug_public_calls_queued",
    help: "Chain calls waiting for an in-flight slot now.",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) this.set(stats.calls.queued);
    },
  });
  new Counter({
    name: "polyplug_public_calls_shed_total",
    help: "Chain calls answered resource_exhausted (429 / RESOURCE_EXHAUSTED) by reason (queue_full, queue_timeout).",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const stats = read();
      for (const [reason, total] of Object.entries(stats?.calls.shed ?? {}))
        advance(this, `shed.${reason}`, total, { reason });
    },
  });
  new Counter({
    name: "polyplug_public_rapid_reset_closes_total",
    help: "HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM for resetting too many unanswered streams.",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) advance(this, "rapidReset", stats.rapidResetSessions);
    },
  });
  new Counter({
    name: "polyplug_public_request_timeouts_total",
    help: "Requests whose headers or body did not arrive in time (408 / stream reset).",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) advance(this, "requestTimeouts", stats.requestTimeouts);
    },
  });
  new Counter({
    name: "polyplug_public_websocket_refused_total",
    help: "WebSocket upgrades answered 503 because maxWebSocketClients were connected.",
    registers: [registry],
    collect() {
      const stats = read();
      if (stats) advance(this, "webSocketRefused", stats.webSocketRefused);
    },
  });
}
