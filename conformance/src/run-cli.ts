import { writeFile } from "node:fs/promises";
import { jsonReport } from "./reports/json-report.js";
import { junitReport } from "./reports/junit-report.js";
import { markdownReport } from "./reports/markdown-report.js";
import { progressLine, summaryTable } from "./reports/console-report.js";
import { runConformance } from "./runner.js";
import type { RunReport } from "./case-result.js";

/** Options of `polyplug conformance`, as the CLI parsed them. */
export interface ConformanceCliOptions {
  readonly plugin: readonly string[];
  readonly cases?: readonly string[];
  readonly skip?: readonly string[];
  readonly features?: string;
  readonly knownFailing?: string;
  /** json, junit or markdown; written to `out` (or stdout instead of the table). */
  readonly report?: string;
  readonly out?: string;
  /** `-v`: traces of every case (failures first), not only of failures. */
  readonly verbose?: boolean;
  /** `--cookie KEY=VALUE` (parsed): another cookie than Polyplug's runs the suite in go-plugin mode. */
  readonly cookie?: { readonly key: string; readonly value: string };
  /** `--protocol-versions`: app protocol versions the plugin speaks. */
  readonly protocolVersions?: readonly number[];
  /** `--automtls`: start plugins through the host core with AutoMTLS. */
  readonly autoMtls?: boolean;
  /** `--start-timeout` in milliseconds (default 15 000). */
  readonly startTimeoutMs?: number;
}

/** Where the CLI writes. */
export interface ConformanceCliIo {
  out(text: string): void;
  err(text: string): void;
}

const REPORTS = ["json", "junit", "markdown"] as const;

/**
 * Runs the suite for the CLI: progress lines on stderr, a summary table (or the report)
 * on stdout. Resolves with the exit code: 0 when every required case passed and no
 * known-failing case passed, 1 otherwise, 2 for bad options or unreadable files.
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
    options.report === "json" ? jsonReport(report, verbose) : options.report === "junit" ? junitReport(report) : options.report === "markdown" ? markdownReport(report) : undefined;
  if (rendered !== undefined && options.out) await writeFile(options.out, rendered);
  if (rendered !== undefined && !options.out) io.out(rendered);
  else io.out(summaryTable(report, verbose));
  return report.summary.ok ? 0 : 1;
}
