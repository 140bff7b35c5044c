// Gateway start → first correct answer: `polyplug serve` as an operator runs it, and the
// Go baseline gateway (examples-go/bench/gogateway), each started on the same plugins
// folder of N scripted Go plugins and polled on the public Intercept until every plugin
// of the chain answered (lib/first-answer.mjs). Samples alternate between: `polyplug serve`
// (the bundled CLI) on a fresh data folder (first start: the SQLite store created and
// migrated), the same restarted on a store a previous start made, the same from dist/'s
// modules (POLYPLUG_BUNDLE=0), Go, and two references for what Node itself costs: the "Node
// floor" (bench/node-floor-gateway.mjs: the least a Node 20 gateway can do on the same
// plugins) and bare `node -e 0`. Beside wall time: each gateway's CPU time up to its first
// answer (steadier than wall time on a busy machine) and, for the bundled CLI, when each step
// of its start was reached.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { bareNode, firstAnswer } from "../lib/first-answer.mjs";
import { median, ratio } from "../lib/stats.mjs";
import { ms, times } from "../lib/format.mjs";

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const data = [];
  for (const { plugins, samples } of w.gatewayStart.runs) {
    log(`gateway start → first answer, ${plugins} plugin(s)`);
    const dir = writeChainPluginsDir(plugins);
    // A restart's data folder: made by one start that is not counted.
    const restartData = mkdtempSync(path.join(tmpdir(), "polyplug-bench-restart-"));
    const polyplug = [];
    const restart = [];
    const modules = [];
    const go = [];
    const floor = [];
    const bare = [];
    try {
      await firstAnswer("polyplug", dir, plugins, { dataDir: restartData });
      for (let i = 0; i < samples; i++) {
        polyplug.push(await firstAnswer("polyplug", dir, plugins));
        restart.push(await firstAnswer("polyplug", dir, plugins, { dataDir: restartData }));
        modules.push(await firstAnswer("polyplug-modules", dir, plugins));
        go.push(await firstAnswer("go", dir, plugins));
        floor.push(await firstAnswer("node-floor", dir, plugins));
        bare.push(await bareNode());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(restartData, { recursive: true, force: true });
    }
    const wall = (list) => list.map((s) => s.ms);
    const cpu = (list) => {
      const known = list.map((s) => s.cpuMs).filter((v) => v !== undefined);
      return known.length > 0 ? median(known) : undefined;
    };
    data.push({
      plugins,
      samples,
      polyplugMs: median(wall(polyplug)),
      restartMs: median(wall(restart)),
      modulesMs: median(wall(modules)),
      goMs: median(wall(go)),
      floorMs: median(wall(floor)),
      bareNodeMs: median(wall(bare)),
      ratio: ratio(median(wall(polyplug)), median(wall(go))),
      polyplugCpuMs: cpu(polyplug),
      restartCpuMs: cpu(restart),
      goCpuMs: cpu(go),
      floorCpuMs: cpu(floor),
      steps: medianSteps(polyplug),
      restartSteps: medianSteps(restart),
      polyplugSamples: wall(polyplug),
      restartSamples: wall(restart),
      modulesSamples: wall(modules),
      goSamples: wall(go),
      floorSamples: wall(floor),
      bareNodeSamples: wall(bare),
    });
  }
  const one = data.find((d) => d.plugins === 1);
  return {
    title: "Gateway start → first correct answer",
    note: `Median of ${data.map((d) => `${d.samples} starts with ${d.plugins} plugin${d.plugins === 1 ? "" : "s"}`).join(", ")}, each gateway in turn (wall time; CPU = the gateway process's user + system time up to that answer, from /proc): from spawning the gateway process to the first \`/polyplug.v1.Gateway/Intercept\` answer in which all N plugins proceeded (polled every 5 ms on a fresh connection, the same way for all). Polyplug = \`polyplug serve --no-automtls --sandbox off\` (Node start, module loading, SQLite store, plugin supervision, public and admin servers), run as \`bin/polyplug.js\` runs it: the bundled CLI (dist/cli-bundle/) on a fresh data folder (first start: the store is created and migrated), the same restarted on the store of an earlier start ("restart"), and once more from dist/'s ESM modules (\`POLYPLUG_BUNDLE=0\`, "unbundled", fresh data folder); Go gateway = examples-go/bench/gogateway (starts every plugin with go-plugin, then listens; no store). What Node itself costs, in the same run: "Node floor" = bench/node-floor-gateway.mjs, the least a Node 20 gateway can do (spawn the plugins with go-plugin's handshake, one HTTP/2 connection each, node:http serving the Intercept with a hand-encoded request; no store, no supervision, no Describe/Activate), and bare \`node -e 0\` (start to exit). Steps: medians of the bundled CLI's \`POLYPLUG_START_TIMELINE\` marks, first start (node-bootstrapped = Node's own start; plugins-starting = every enabled plugin's start requested; the answer itself comes after plugins-active).`,
    columns: [
      "Plugins",
      "Polyplug serve",
      "restart (same store)",
      "Go gateway",
      "Polyplug/Go",
      "Node floor (minimal Node gateway) / node -e 0",
      "Polyplug/Node floor",
      "CPU Polyplug / restart / Node floor / Go",
      "unbundled (dist/ modules)",
      "Polyplug's steps (ms since its process started)",
    ],
    rows: data.map((d) => [
      String(d.plugins),
      ms(d.polyplugMs),
      ms(d.restartMs),
      ms(d.goMs),
      times(d.ratio),
      `${ms(d.floorMs)} / ${ms(d.bareNodeMs)}`,
      times(ratio(d.polyplugMs, d.floorMs)),
      [d.polyplugCpuMs, d.restartCpuMs, d.floorCpuMs, d.goCpuMs]
        .map((v) => (v === undefined ? "–" : ms(v)))
        .join(" / "),
      ms(d.modulesMs),
      d.steps.map(([step, at]) => `${step} ${Math.round(at)}`).join(", "),
    ]),
    headlines: one
      ? [
          {
            issueRow: 4,
            metric: "gateway start → first correct answer, 1 plugin (Polyplug serve / Go gateway)",
            polyplug: `${ms(one.polyplugMs)} (restart on the same store: ${ms(one.restartMs)})`,
            baseline: `${ms(one.goMs)} (Go gateway); the floor for Node 20 in this run: ${ms(one.floorMs)} for a minimal Node gateway (${times(ratio(one.floorMs, one.goMs))} Go), ${ms(one.bareNodeMs)} for \`node -e 0\``,
            value: one.ratio,
            goal: "≤ 1.50×",
            met: one.ratio <= 1.5,
          },
          {
            metric:
              "gateway start → first correct answer, 1 plugin, Polyplug serve / a minimal Node 20 gateway (bench/node-floor-gateway.mjs)",
            value: ratio(one.polyplugMs, one.floorMs),
            goal: "— (reference: what Node's own start allows)",
            met: undefined,
          },
        ]
      : [],
    data,
  };
}

/**
 * Median time of each start step over the samples that recorded it, in start order.
 * @param {import("../lib/first-answer.mjs").FirstAnswer[]} samples
 * @returns {[string, number][]}
 */
function medianSteps(samples) {
  /** @type {Map<string, number[]>} */
  const byStep = new Map();
  for (const { steps } of samples)
    for (const [step, at] of Object.entries(steps ?? {})) byStep.set(step, [...(byStep.get(step) ?? []), at]);
  return [...byStep]
    .map(([step, ats]) => /** @type {[string, number]} */ ([step, median(ats)]))
    .sort((a, b) => a[1] - b[1]);
}
