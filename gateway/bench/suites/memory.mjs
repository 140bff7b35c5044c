// 5. Gateway memory: RSS of the gateway process with 1, 10 and 50 plugin processes
// running (the full gateway, and the bare host core holding N connections), next to
// go-plugin's Go host holding N clients of the same plugin.
import { CHAIN_TOPIC } from "../lib/chain-plugins.mjs";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { runGoHost } from "../lib/go-host.mjs";
import { paths } from "../lib/paths.mjs";
import { ratio } from "../lib/stats.mjs";
import { mib, times } from "../lib/format.mjs";

/** @param {"gateway" | "host"} mode @param {number} count */
async function childRss(mode, count) {
  const child = await startGatewayProcess(mode, count);
  try {
    return await child.rss();
  } finally {
    await child.stop();
  }
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const data = [];
  for (const count of w.memory.counts) {
    log(`memory, ${count} plugin processes`);
    const gateway = await childRss("gateway", count);
    const host = await childRss("host", count);
    const go = (await runGoHost({ workload: "memory", command: [paths.goScripted], plugins: count, topic: CHAIN_TOPIC })).rssBytes;
    data.push({ plugins: count, gatewayRss: gateway, hostCoreRss: host, goHostRss: go, gatewayVsGo: ratio(gateway, go), hostVsGo: ratio(host, go) });
  }
  return {
    title: "Memory (RSS of the host process)",
    note: "After starting N scripted Go plugins, one call on each, and a garbage collection. Gateway = the whole `createGateway` (SQLite store, public server, supervisors); host core = N `startPlugin` connections only; Go host = go-plugin's `plugin.NewClient` × N. The plugin processes' own memory is not counted.",
    columns: ["Plugins", "Gateway RSS", "TS host core RSS", "Go host RSS", "Gateway/Go", "Host core/Go"],
    rows: data.map((d) => [String(d.plugins), mib(d.gatewayRss), mib(d.hostCoreRss), mib(d.goHostRss), times(d.gatewayVsGo), times(d.hostVsGo)]),
    headlines: [],
    data,
  };
}
