import type { RunReport } from "../case-result.js";

/** The report as JSON; traces are kept only when `verbose`. */
export function jsonReport(report: RunReport, verbose: boolean): string {
  const results = report.results.map((r) => (verbose ? r : { ...r, trace: undefined }));
  return `${JSON.stringify({ ...report, results }, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value), 2)}\n`;
}
