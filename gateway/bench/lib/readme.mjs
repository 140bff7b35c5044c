// `npm run bench -- --readme`: puts the run's issue #17 goals table into the repository
// README, between the bench-headline markers, with when and under what load it was measured.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { paths } from "./paths.mjs";
import { goalsTable } from "./report.mjs";

const START = "<!-- bench-headline:start (npm run bench -- --readme) -->";
const END = "<!-- bench-headline:end -->";
/** Rows of issue #17's table, each answered by a suite's headline with that `issueRow`. */
const ISSUE_ROWS = 8;

/**
 * Rewrites the README's headline block from `run`; throws when the markers or a row of the
 * issue's table are missing (a partial run must not replace the full table).
 * @param {Parameters<typeof goalsTable>[0] & {startedAt: string, machine: Record<string, any>}} run
 */
export function updateReadmeHeadline(run) {
  const rows = new Set(
    Object.values(run.suites).flatMap((s) => s.headlines.map((h) => h.issueRow).filter((r) => r !== undefined)),
  );
  if (rows.size < ISSUE_ROWS)
    throw new Error(
      `--readme needs every row of issue #17's table; this run has ${rows.size} of ${ISSUE_ROWS} (run every suite)`,
    );
  const file = path.join(paths.repo, "README.md");
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${file} has no ${START} … ${END} block`);
  const m = run.machine;
  const load = m.loadAverage ? `, load average ${m.loadAverage.start[0]} → ${m.loadAverage.end[0]}` : "";
  const block = [
    START,
    `Measured ${run.startedAt.slice(0, 16).replace("T", " ")} UTC on ${m.cores} cores (${m.cpu})${load}:`,
    "",
    goalsTable(run),
    END,
  ].join("\n");
  writeFileSync(file, text.slice(0, from) + block + text.slice(to + END.length));
  return file;
}
