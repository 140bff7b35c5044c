// Gateway start → first correct answer: `polyplug serve` as an operator runs it, and the
// Go baseline gateway (examples-go/bench/gogateway), each started on the same plugins
// folder of N scripted Go plugins and polled on the public Intercept until every plugin
// of the chain answered (lib/first-answer.mjs). Samples alternate between the three:
// `polyplug serve` (the bundled CLI), the same from dist/'s modules (POLYPLUG_BUNDLE=0), Go.
import { rmSync } from "node:fs";
import { writeChainPluginsDir } from "../lib/chain-plugins.mjs";
import { firstAnswerMs } from "../lib/first-answer.mjs";
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
        polyplug.push(await firstAnswerMs("polyplug", dir, plugins));
        modules.push(await firstAnswerMs("polyplug-modules", dir, plugins));
        go.push(await firstAnswerMs("go", dir, plugins));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    data.push({
      plugins,
      samples,
      polyplugMs: median(polyplug),
      modulesMs: median(modules),
      goMs: median(go),
      ratio: ratio(median(polyplug), median(go)),
      polyplugSamples: polyplug,
      modulesSamples: modules,
      goSamples: go,
    });
  }
  const one = data.find((d) => d.plugins === 1);
  return {
    title: "Gateway start → first correct answer",
    note: `Median of ${data.map((d) => `${d.samples} starts with ${d.plugins} plugin${d.plugins === 1 ? "" : "s"}`).join(", ")}, each gateway in turn: from spawning the gateway process to the first \`/polyplug.v1.Gateway/Intercept\` answer in which all N plugins proceeded (polled every 5 ms on a fresh connection, the same way for both). Polyplug = \`polyplug serve --no-automtls --sandbox off\` (Node start, module loading, SQLite store, plugin supervision, public and admin servers), run as \`bin/polyplug.js\` runs it: the bundled CLI (dist/cli-bundle/), and once more from dist/'s ESM modules (\`POLYPLUG_BUNDLE=0\`, "unbundled"); Go gateway = examples-go/bench/gogateway (starts every plugin with go-plugin, then listens).`,
    columns: ["Plugins", "Polyplug serve", "Go gateway", "Polyplug/Go", "unbundled (dist/ modules)", "unbundled/Go"],
    rows: data.map((d) => [
      String(d.plugins),
      ms(d.polyplugMs),
      ms(d.goMs),
      times(d.ratio),
      ms(d.modulesMs),
      times(ratio(d.modulesMs, d.goMs)),
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
