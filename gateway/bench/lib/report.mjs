// Writes the results: JSON (everything, raw summaries included) and a Markdown page
// (machine, headline ratios, one table per benchmark).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { times } from "./format.mjs";

/**
 * @typedef {object} SuiteResult
 * @property {string} title
 * @property {string} note
 * @property {string[]} columns
 * @property {string[][]} rows
 * @property {{metric: string, value: number | undefined, goal: string, met: boolean | undefined}[]} headlines
 * @property {unknown} data
 */

/** @param {string[]} columns @param {string[][]} rows */
function table(columns, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(columns), line(columns.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * Renders the Markdown page.
 * @param {{startedAt: string, durationS: number, quick: boolean, machine: Record<string, string | number>, suites: Record<string, SuiteResult>, failures: Record<string, string>}} run
 */
export function renderMarkdown(run) {
  const m = run.machine;
  const out = [
    `## Benchmark results${run.quick ? " (--quick: smoke run, numbers not meaningful)" : ""}`,
    "",
    `Measured ${run.startedAt} in ${run.durationS.toFixed(0)} s on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Go ${m.go}, Python ${m.python}. ` +
      "Every figure is paired with go-plugin's own Go host (`plugin.NewClient`) measured in the same run on the same plugin binary; the ratio is the headline, not the absolute number.",
    "",
  ];
  const headlines = Object.values(run.suites).flatMap((s) => s.headlines);
  if (headlines.length) {
    const met = (h) => (h.met === undefined ? "" : h.met ? "✅" : "❌");
    out.push("### Headline", "", table(["Metric", "Ratio", "Goal", ""], headlines.map((h) => [h.metric, times(h.value ?? Number.NaN), h.goal, met(h)])), "");
  }
  for (const suite of Object.values(run.suites)) out.push(`### ${suite.title}`, "", suite.note, "", table(suite.columns, suite.rows), "");
  for (const [name, error] of Object.entries(run.failures)) out.push(`### ${name}: failed`, "", "```", error, "```", "");
  return out.join("\n");
}

/**
 * Writes latest.json, latest.md and timestamped copies into `outDir`; returns the paths.
 * @param {string} outDir
 * @param {Parameters<typeof renderMarkdown>[0]} run
 */
export function writeResults(outDir, run) {
  mkdirSync(outDir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, "-");
  const json = `${JSON.stringify({ format: "polyplug-bench/1", ...run }, null, 2)}\n`;
  const markdown = renderMarkdown(run);
  const files = { json: path.join(outDir, "latest.json"), markdown: path.join(outDir, "latest.md") };
  writeFileSync(files.json, json);
  writeFileSync(files.markdown, markdown);
  writeFileSync(path.join(outDir, `${stamp}.json`), json);
  writeFileSync(path.join(outDir, `${stamp}.md`), markdown);
  return files;
}
