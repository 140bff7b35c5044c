import { writeFile } from "node:fs/promises";
import type { ConformanceCliIo, ConformanceCliOptions } from "polyplug";
import { jsonReport } from "./reports/json-report.js";
import { junitReport } from "./reports/junit-report.js";
import { markdownReport } from "./reports/markdown-report.js";
import { progressLine, summaryTable } from "./reports/console-report.js";
import { runConformance } from "./runner.js";
import type { RunReport } from "./case-result.js";

export type { ConformanceCliIo, ConformanceCliOptions } from "polyplug";

const REPORTS = ["json", "junit", "markdown"] as const;

/**
 * Runs the suite for the CLI: progress lines on stderr, a summary table (or the report)
 * on stdout. Resolves with the exit code: 0 when every required case passed and no
 * known-failing case passed, 1 otherwise, 2 for bad options or unreadable files. The gateway
 * calls it through `ConformanceCliModule` (gateway/src/cli/conformance-cli-contract.ts).
 */
export async function runConformanceCli(options: ConformanceCliOptions, io: ConformanceCliIo): Promise<number> {
  if (options.report !== undefined && !(REPORTS as readonly string[]).includes(options.report)) {
    io.err(`--report must be one of ${REPORTS.join(", ")}, got ${JSON.stringify(options.report)}\n`);
    return 2;
  }
  let report: RunReport;
  let lastSkipReason: string | undefined;
  try {
    report = await runConformance({
      plugin: options.plugin,
      ...(options.cases ? { cases: options.cases } : {}),
      ...(options.skip ? { skip: options.skip } : {}),
      ...(options.features ? { featuresFile: options.features } : {}),
      ...(options.knownFailing ? { knownFailingFile: options.knownFailing } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.protocolVersions ? { protocolVersions: options.protocolVersions } : {}),
      ...(options.autoMtls ? { autoMtls: true } : {}),
      ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
      onProgress: ({ index, total, result }) => {
        if (!result) return;
        io.err(progressLine(index, total, result, lastSkipReason));
        lastSkipReason = result.status === "skipped" ? result.message : undefined;
      },
    });
  } catch (error) {
    io.err(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const verbose = options.verbose ?? false;
  const rendered =
    options.report === "json"
      ? jsonReport(report, verbose)
      : options.report === "junit"
        ? junitReport(report)
        : options.report === "markdown"
          ? markdownReport(report)
          : undefined;
  if (rendered !== undefined && options.out) await writeFile(options.out, rendered);
  if (rendered !== undefined && !options.out) io.out(rendered);
  else io.out(summaryTable(report, verbose));
  return report.summary.ok ? 0 : 1;
}
