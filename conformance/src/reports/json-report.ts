import type { RunReport } from "../case-result.js";

/** The report as JSON; traces are kept only when `verbose`. `skipped` maps each skipped case to why. */
export function jsonReport(report: RunReport, verbose: boolean): string {
  const results = report.results.map((r) => (verbose ? r : { ...r, trace: undefined }));
  const skipped = Object.fromEntries(
    report.results.filter((r) => r.status === "skipped").map((r) => [r.name, r.message ?? "no reason given"]),
  );
  return `${JSON.stringify({ ...report, skipped, results }, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value), 2)}\n`;
}
