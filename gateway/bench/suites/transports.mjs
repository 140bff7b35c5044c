// 6. Transports: the same small Intercept to the Go plugin through clients that speak the
// same gRPC wire (Polyplug's rpc client on grpc-js, bare grpc-js, connect-node's gRPC
// transport, a hand-rolled node:http2 client, Polyplug's node:http2 and raw HTTP/2 unary
// transports), next to go-plugin's Go host. Answers the
// profile's question: is grpc-js the gap, and what would close it?
import { runGoHost } from "../lib/go-host.mjs";
import {
  connectNodeClient,
  grpcJsRawClient,
  polyplugClient,
  rawHttp2Client,
  unaryTransportClient,
} from "../lib/grpc-clients.mjs";
import { conformancePlugins } from "../lib/paths.mjs";
import { ratio, summarise } from "../lib/stats.mjs";
import { latency, rate, times } from "../lib/format.mjs";
import { measurePhase, phaseRequest, startTsPlugin } from "../lib/ts-host.mjs";

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const argv = conformancePlugins.go;
  const phases = w.roundtrip.phases.filter((p) => p.concurrency === 1 || p.concurrency === 64);
  log("transports, go plugin: go-plugin's Go host");
  const go = (await runGoHost({ workload: "intercept", command: argv, phases })).phases.map((p) =>
    summarise(p.latenciesUs, p.elapsedMs, p.errors),
  );
  const plugin = await startTsPlugin(argv);
  const data = [];
  try {
    if (plugin.handshake.network !== "unix")
      throw new Error(`expected a unix socket plugin, got ${plugin.handshake.network}`);
    const socket = plugin.handshake.address;
    for (const client of [
      polyplugClient(plugin),
      grpcJsRawClient(plugin),
      connectNodeClient(socket),
      rawHttp2Client(socket),
      unaryTransportClient(socket, "http2"),
      unaryTransportClient(socket, "h2"),
    ]) {
      log(`transports, go plugin: ${client.name}`);
      try {
        for (const [i, phase] of phases.entries()) {
          const request = phaseRequest(phase);
          const r = await measurePhase(phase, () => client.call(request));
          if (r.firstError) throw new Error(`${client.name}, ${phase.name}: ${r.firstError}`);
          const ts = summarise(r.latenciesUs, r.elapsedMs, r.errors);
          data.push({
            client: client.name,
            load: phase.name,
            concurrency: phase.concurrency,
            ts,
            go: go[i],
            latencyRatio: ratio(ts.medianUs, go[i].medianUs),
            throughputRatio: ratio(ts.throughput, go[i].throughput),
          });
        }
      } finally {
        client.close();
      }
    }
  } finally {
    await plugin.shutdown();
  }
  return {
    title: "Transports (same wire, different TS clients; Go plugin)",
    note: "Each client calls the same running Go plugin over its unix socket; the Go host row is go-plugin's `plugin.NewClient` on the same binary. Ratios are against the Go host.",
    columns: ["Client", "Load", "median / p99", "calls/s", "vs Go latency", "vs Go throughput"],
    rows: [
      ...phases.map((p, i) => [
        "go-plugin Go host (baseline)",
        p.name,
        latency(go[i]),
        rate(go[i].throughput),
        "1.00×",
        "1.00×",
      ]),
      ...data.map((d) => [
        d.client,
        d.load,
        latency(d.ts),
        rate(d.ts.throughput),
        times(d.latencyRatio),
        times(d.throughputRatio),
      ]),
    ],
    headlines: [],
    data: { go, clients: data },
  };
}
