// 2. Payload sweep: 1 KB to 4 MB through Intercept (conformance.modify sends the payload
// back, so both directions carry it), sequential, TS host vs Go host.
import { conformancePlugins } from "../lib/paths.mjs";
import { ratio } from "../lib/stats.mjs";
import { latency, times } from "../lib/format.mjs";
import { compareHosts } from "./roundtrip.mjs";

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { sizes, warmup, minCalls, durationMs } = w.payload;
  const data = [];
  for (const plugin of w.payload.plugins) {
    log(`payload sweep, ${plugin} plugin`);
    const phases = sizes.map((s) => ({
      ...w.phase(s.label, "conformance.modify", 1, { payloadBytes: s.bytes, calls: s.calls }),
      warmup,
      minCalls,
      durationMs,
    }));
    for (const { phase, ts, go } of await compareHosts(conformancePlugins[plugin], phases)) {
      data.push({
        plugin,
        payload: phase.name,
        bytes: phase.payloadBytes,
        ts,
        go,
        latencyRatio: ratio(ts.medianUs, go.medianUs),
      });
    }
  }
  return {
    title: "Payload sweep (Intercept, payload there and back)",
    note: "`conformance.modify` answers with the payload it received (plus one field): the payload crosses the socket in both directions. Sequential calls.",
    columns: ["Plugin", "Payload", "TS host median / p99", "Go host median / p99", "TS/Go latency"],
    rows: data.map((d) => [d.plugin, d.payload, latency(d.ts), latency(d.go), times(d.latencyRatio)]),
    headlines: [],
    data,
  };
}
