// Gateway start → first correct answer: `polyplug serve` as an operator runs it, and the
// Go baseline gateway (examples-go/bench/gogateway), each started on the same plugins
// folder of N scripted Go plugins and polled on the public Intercept until every plugin
// of the chain answered (lib/first-answer.mjs). Samples alternate between the three:
// `polyplug serve` (the bundled CLI), the same from dist/'s modules (POLYPLUG_BUNDLE=0), Go.
// Beside wall time: each gateway's CPU time up to its first answer (steadier than wall time on
// a busy machine) and, for the bundled CLI, when each step of its start was reached.
import { rmSync } from "node:fs";
import { writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { firstAnswer } from "../lib/first-answer.mjs";
import { median, ratio } from "../lib/stats.mjs";
import { ms, times } from "../lib/format.mjs";

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(w, log) {
  const data = [];
  for (const { plugins, samples } of w.gatewayStart.runs) {
    log(`gateway start → first answer, ${plugins} plugin(s)`);
    const dir = writeChainPluginsDir(plugins);
    const polyplug = [];
    const modules = [];
    const go = [];
    try {
      for (let i = 0; i < samples; i++) {
        polyplug.push(await firstAnswer("polyplug", dir, plugins));
        modules.push(await firstAnswer("polyplug-modules", dir, plugins));
        go.push(await firstAnswer("go", dir, plugins));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
      modulesMs: median(wall(modules)),
      goMs: median(wall(go)),
      ratio: ratio(median(wall(polyplug)), median(wall(go))),
      polyplugCpuMs: cpu(polyplug),
      goCpuMs: cpu(go),
      steps: medianSteps(polyplug),
      polyplugSamples: wall(polyplug),
      modulesSamples: wall(modules),
      goSamples: wall(go),
    });
  }
  const one = data.find((d) => d.plugins === 1);
  return {
    title: "Gateway start → first correct answer",
    note: `Median of ${data.map((d) => `${d.samples} starts with ${d.plugins} plugin${d.plugins === 1 ? "" : "s"}`).join(", ")}, each gateway in turn (wall time; CPU = the gateway process's user + system time up to that answer, from /proc): from spawning the gateway process to the first \`/polyplug.v1.Gateway/Intercept\` answer in which all N plugins proceeded (polled every 5 ms on a fresh connection, the same way for both). Polyplug = \`polyplug serve --no-automtls --sandbox off\` (Node start, module loading, SQLite store, plugin supervision, public and admin servers), run as \`bin/polyplug.js\` runs it: the bundled CLI (dist/cli-bundle/), and once more from dist/'s ESM modules (\`POLYPLUG_BUNDLE=0\`, "unbundled"); Go gateway = examples-go/bench/gogateway (starts every plugin with go-plugin, then listens). Steps: medians of the bundled CLI's \`POLYPLUG_START_TIMELINE\` marks (node-bootstrapped = Node's own start; plugins-starting = every enabled plugin's start requested; the answer itself comes after plugins-active).`,
    columns: [
      "Plugins",
      "Polyplug serve",
      "Go gateway",
      "Polyplug/Go",
      "CPU Polyplug / Go",
      "unbundled (dist/ modules)",
      "unbundled/Go",
      "Polyplug's steps (ms since its process started)",
    ],
    rows: data.map((d) => [
      String(d.plugins),
      ms(d.polyplugMs),
      ms(d.goMs),
      times(d.ratio),
      `${d.polyplugCpuMs === undefined ? "–" : ms(d.polyplugCpuMs)} / ${d.goCpuMs === undefined ? "–" : ms(d.goCpuMs)}`,
      ms(d.modulesMs),
      times(ratio(d.modulesMs, d.goMs)),
      d.steps.map(([step, at]) => `${step} ${Math.round(at)}`).join(", "),
    ]),
    headlines: one
      ? [
          {
            issueRow: 4,
            metric: "gateway start → first correct answer, 1 plugin (Polyplug serve / Go gateway)",
            polyplug: ms(one.polyplugMs),
            baseline: `${ms(one.goMs)} (Go gateway)`,
            value: one.ratio,
            goal: "≤ 1.50×",
            met: one.ratio <= 1.5,
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
