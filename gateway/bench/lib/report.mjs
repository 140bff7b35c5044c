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
 * @property {Headline[]} headlines
 * @property {unknown} data
 */

/**
 * One headline figure. With `issueRow` (the row of issue #17's table it answers) it goes
 * in the goals table, Polyplug's figure next to its Go baseline's; else in "other ratios".
 * @typedef {object} Headline
 * @property {string} metric
 * @property {number | undefined} value   the ratio (Polyplug / baseline)
 * @property {string} goal
 * @property {boolean | undefined} met
 * @property {number} [issueRow]
 * @property {string} [polyplug]          Polyplug's figure, formatted
 * @property {string} [baseline]          the Go baseline's figure, formatted, naming the baseline
 */

/** @param {string[]} columns @param {string[][]} rows */
function table(columns, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(columns), line(columns.map(() => "---")), ...rows.map(line)].join("\n");
}

/** @param {Headline} h */
const met = (h) => (h.met === undefined ? "" : h.met ? "✅" : "❌");

/**
 * The headlines that answer a row of issue #17's table, in the issue's order, as a Markdown
 * table (Polyplug's figure, its Go baseline's, the ratio, the goal); "" when there are none.
 * @param {{suites: Record<string, SuiteResult>}} run
 */
export function goalsTable(run) {
  const goals = Object.values(run.suites)
    .flatMap((s) => s.headlines)
    .filter((h) => h.issueRow !== undefined)
    .sort((a, b) => (a.issueRow ?? 0) - (b.issueRow ?? 0));
  if (!goals.length) return "";
  return table(
    ["Metric", "Polyplug", "Go baseline", "Ratio", "Goal", ""],
    goals.map((h) => [h.metric, h.polyplug ?? "", h.baseline ?? "", times(h.value ?? Number.NaN), h.goal, met(h)]),
  );
}

/**
 * Renders the Markdown page.
 * @param {{startedAt: string, durationS: number, quick: boolean, machine: Record<string, any>, suiteDurationsS?: Record<string, number>, suites: Record<string, SuiteResult>, failures: Record<string, string>}} run
 */
export function renderMarkdown(run) {
  const m = run.machine;
  const out = [
    `## Benchmark results${run.quick ? " (--quick: smoke run, numbers not meaningful)" : ""}`,
    "",
    `Measured ${run.startedAt} in ${run.durationS.toFixed(0)} s on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Go ${m.go}, Python ${m.python}` +
      (m.loadAverage
        ? `; load average (1, 5, 15 min) ${m.loadAverage.start.join(", ")} at the start, ${m.loadAverage.end.join(", ")} at the end`
        : "") +
      ". Every figure is paired with a Go baseline measured in the same run on the same plugin binaries: go-plugin's own Go host (`plugin.NewClient`) for the host core, and a minimal Go gateway on go-plugin (examples-go/bench/gogateway: net/http, JSON, the same chain) for the application's path; the ratio is the headline, not the absolute number.",
    "",
  ];
  if (run.suiteDurationsS)
    out.push(
      `Seconds per suite: ${Object.entries(run.suiteDurationsS)
        .map(([name, s]) => `${name} ${s}`)
        .join(", ")}.`,
      "",
    );
  const headlines = Object.values(run.suites).flatMap((s) => s.headlines);
  const goals = goalsTable(run);
  if (goals) out.push("### Headline: issue #17 goals", "", goals, "");
  const others = headlines.filter((h) => h.issueRow === undefined);
  if (others.length)
    out.push(
      "### Headline: other ratios",
      "",
      table(
        ["Metric", "Ratio", "Goal", ""],
        others.map((h) => [h.metric, times(h.value ?? Number.NaN), h.goal, met(h)]),
      ),
      "",
    );
  for (const suite of Object.values(run.suites))
    out.push(`### ${suite.title}`, "", suite.note, "", table(suite.columns, suite.rows), "");
  for (const [name, error] of Object.entries(run.failures))
    out.push(`### ${name}: failed`, "", "```", error, "```", "");
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
