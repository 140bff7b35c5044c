// 3. Start-up: spawn to healthy (handshake, connection, health check) for the Go, Python
// and TypeScript conformance plugins, TS host vs Go host; Python next to a bare
// `python -c "import grpc"`; and the TS host with the gateway's plugin sandbox (bubblewrap,
// cgroup, own uid when root), where this machine has one. The TS host's headline figure is
// measured in a running gateway process (createGateway with one plugin, as `polyplug serve`),
// as the Go host's is in its own fresh process: Node forks the calling process for every
// spawn, so a bench process grown by the payload suites would weigh on the TS side only
// (PROFILE.md, plugin start-up). The in-bench-process figure is kept beside it.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { createPluginSandbox, detectSandboxSupport, resolveResourceLimits } from "../../dist/entry/host.js";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { runGoHost } from "../lib/go-host.mjs";
import { conformancePlugins, paths } from "../lib/paths.mjs";
import { median, ratio } from "../lib/stats.mjs";
import { ms, times } from "../lib/format.mjs";
import { startTsPlugin } from "../lib/ts-host.mjs";

/** @param {readonly string[]} argv @param {number} samples @param {Parameters<typeof startTsPlugin>[2]} [extra] */
async function tsStartups(argv, samples, extra) {
  const out = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const plugin = await startTsPlugin(argv, {}, extra);
    out.push(performance.now() - t0);
    await plugin.shutdown();
  }
  return out;
}

/** Wall time of a process from spawn to exit, `samples` times. @param {string} cmd @param {string[]} args @param {number} samples */
function processTimes(cmd, args, samples) {
  const out = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    execFileSync(cmd, args, { stdio: "ignore" });
    out.push(performance.now() - t0);
  }
  return out;
}

/** `samples` split into rounds of at most 5. @param {number} samples */
function rounds(samples) {
  const out = [];
  for (let left = samples; left > 0; left -= 5) out.push(Math.min(5, left));
  return out;
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const { samples } = w.startup;
  const support = await detectSandboxSupport("auto");
  // The TS host forks this process for every spawn (Node 20's libuv), so its size matters: the
  // earlier suites leave it larger than a fresh gohost process (PROFILE.md, plugin start-up).
  const hostRssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const gateway = await startGatewayProcess("gateway", 1);
  let gatewayRssMiB = 0;
  const data = [];
  try {
    for (const plugin of w.startup.plugins) {
      log(`start-up, ${plugin} plugin`);
      const argv = conformancePlugins[plugin];
      // Interleaved in rounds, so a change of load on the shared machine falls on all three alike.
      const ts = [];
      const go = [];
      const inBench = [];
      for (const round of rounds(samples)) {
        const inGateway = await gateway.startups(argv, round);
        gatewayRssMiB = Math.max(gatewayRssMiB, Math.round(inGateway.rssBytes / 2 ** 20));
        ts.push(...inGateway.startupMs);
        go.push(...(await runGoHost({ workload: "startup", command: argv, samples: round })).startupMs);
        inBench.push(...(await tsStartups(argv, round)));
      }
      // The plugin's folder: where its entry file (the last argv element) lives.
      const cwd = path.dirname(argv[argv.length - 1] ?? ".");
      const sandbox = createPluginSandbox({
        pluginId: `bench.${plugin}`,
        support,
        limits: resolveResourceLimits({}),
        network: "none",
        readPaths: [],
        hidePaths: [],
      });
      const sandboxed = support.isolation === "bubblewrap" ? await tsStartups(argv, samples, { sandbox, cwd }) : [];
      data.push({
        plugin,
        tsMs: median(ts),
        goMs: median(go),
        ratio: ratio(median(ts), median(go)),
        benchProcessMs: median(inBench),
        benchProcessRatio: ratio(median(inBench), median(go)),
        sandboxedMs: sandboxed.length ? median(sandboxed) : undefined,
        tsSamples: ts,
        goSamples: go,
        benchProcessSamples: inBench,
        sandboxedSamples: sandboxed,
      });
    }
  } finally {
    await gateway.stop();
  }
  const importGrpc = processTimes(paths.python, ["-c", "import grpc"], samples);
  const bare = { importGrpcMs: median(importGrpc), samples: importGrpc };
  return {
    title: "Start-up (spawn to healthy)",
    note: `Median of ${samples} starts each, the hosts interleaved in rounds of up to 5: launch, handshake line, gRPC connection, health check. On this machine a bare \`python -c "import grpc"\` takes ${ms(bare.importGrpcMs)} (median): the floor for any Python plugin. "TS host" runs in a gateway process (\`createGateway\` with one running plugin, ${gatewayRssMiB} MiB RSS), the Go host in a fresh process; Node forks the host process for each spawn, so its size matters. "TS host, bench process" is the same host in the benchmark process (${hostRssMiB} MiB RSS after the suites before it; the figure reported until 2026-12-03). "Sandboxed" (also in the bench process) is the TS host with the gateway's plugin sandbox (${support.isolation === "bubblewrap" ? `bubblewrap${support.dedicatedUids ? ", own uid" : ""}, limits by ${support.limits}` : `not available here: ${support.unavailableReason}`}).`,
    columns: [
      "Plugin",
      "TS host",
      "Go host",
      "TS/Go",
      "TS host, bench process",
      "Its TS/Go",
      "Sandboxed",
      "Sandbox cost",
      "Floor",
    ],
    rows: data.map((d) => [
      d.plugin,
      ms(d.tsMs),
      ms(d.goMs),
      times(d.ratio),
      ms(d.benchProcessMs),
      times(d.benchProcessRatio),
      d.sandboxedMs === undefined ? "—" : ms(d.sandboxedMs),
      // Against the unconfined start in the same (bench) process.
      d.sandboxedMs === undefined
        ? "—"
        : `${d.sandboxedMs >= d.benchProcessMs ? "+" : "−"}${ms(Math.abs(d.sandboxedMs - d.benchProcessMs))}`,
      d.plugin === "python" ? `${ms(bare.importGrpcMs)} (\`import grpc\`)` : "",
    ]),
    headlines: data.map((d) =>
      d.plugin === "go"
        ? {
            issueRow: 7,
            metric: "Go plugin start-up, spawn → healthy (TS host / Go host)",
            polyplug: `${ms(d.tsMs)} (in a gateway process; ${ms(d.benchProcessMs)} in the bench process)`,
            baseline: `${ms(d.goMs)} (Go host)`,
            value: d.ratio,
            goal: "≤ 1.50×",
            met: d.ratio <= 1.5,
          }
        : { metric: `${d.plugin} plugin start-up (TS/Go)`, value: d.ratio, goal: "—", met: undefined },
    ),
    data: { plugins: data, python: bare, hostRssMiB, gatewayRssMiB },
  };
}
