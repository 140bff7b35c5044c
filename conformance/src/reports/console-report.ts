import type { CaseResult, RunReport } from "../case-result.js";

/** One progress line for a finished case; a skip reason equal to `previousSkipReason` is not repeated. */
export function progressLine(index: number, total: number, result: CaseResult, previousSkipReason?: string): string {
  const tag = {
    passed: "PASS",
    failed: result.required ? "FAIL" : "fail (optional)",
    skipped: "skip",
    "known-failing": "known-failing",
    "unexpected-pass": "UNEXPECTED PASS",
  }[result.status];
  const said =
    result.status === "failed" || result.status === "unexpected-pass"
      ? `\n      ${result.message ?? ""}`
      : result.status === "skipped"
        ? result.message !== undefined && result.message === previousSkipReason
          ? " (same reason)"
          : `\n      skipped: ${result.message ?? "no reason given"}`
        : "";
  return `[${String(index + 1).padStart(String(total).length)}/${total}] ${tag.padEnd(15)} ${result.name} (${result.durationMs} ms)${said}\n`;
}

function traceLines(result: CaseResult): string[] {
  return result.trace.map(
    (t) =>
      `      · ${t.step}${t.detail === undefined ? "" : ` ${JSON.stringify(t.detail, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v))?.slice(0, 400)}`}`,
  );
}

/** The summary table printed at the end: one row per case group, the totals, failures, skipped cases with their reasons; with `verbose` every case's trace. */
export function summaryTable(report: RunReport, verbose: boolean): string {
  const groups = new Map<string, Record<CaseResult["status"], number>>();
  for (const r of report.results) {
    const group = r.name.split("/")[0] ?? r.name;
    const row = groups.get(group) ?? { passed: 0, failed: 0, skipped: 0, "known-failing": 0, "unexpected-pass": 0 };
    row[r.status]++;
    groups.set(group, row);
  }
  const lines = [
    "",
    `${"group".padEnd(16)} ${"pass".padStart(5)} ${"fail".padStart(5)} ${"skip".padStart(5)} ${"known".padStart(6)}`,
  ];
  for (const [group, row] of groups)
    lines.push(
      `${group.padEnd(16)} ${String(row.passed).padStart(5)} ${String(row.failed + row["unexpected-pass"]).padStart(5)} ${String(row.skipped).padStart(5)} ${String(row["known-failing"]).padStart(6)}`,
    );
  const s = report.summary;
  lines.push(
    `${"total".padEnd(16)} ${String(s.passed).padStart(5)} ${String(s.failed + s.unexpectedPasses).padStart(5)} ${String(s.skipped).padStart(5)} ${String(s.knownFailing).padStart(6)}`,
  );
  const failures = report.results.filter((r) => r.status === "failed" || r.status === "unexpected-pass");
  if (failures.length > 0) {
    lines.push("", "Failures:");
    for (const r of failures) {
      lines.push(`  ✖ ${r.name}${r.required ? "" : " (optional)"}: ${r.message ?? ""}`, `    ${r.description}`);
      if (verbose) lines.push(...traceLines(r));
    }
  }
  const skipped = report.results.filter((r) => r.status === "skipped");
  if (skipped.length > 0) {
    lines.push("", "Skipped:");
    const byReason = new Map<string, string[]>();
    for (const r of skipped)
      byReason.set(r.message ?? "no reason given", [...(byReason.get(r.message ?? "no reason given") ?? []), r.name]);
    for (const [reason, names] of byReason)
      lines.push(
        names.length === 1
          ? `  - ${names[0]}: ${reason}`
          : `  - ${names.length} cases: ${reason}\n      ${names.join(", ")}`,
      );
  }
  if (verbose) {
    const others = report.results.filter((r) => r.status === "passed" || r.status === "known-failing");
    if (others.length > 0) lines.push("", "Traces of the other cases:");
    for (const r of others)
      lines.push(
        `  ${r.status === "passed" ? "✔" : "⚠"} ${r.name}${r.message ? `: ${r.message}` : ""}`,
        ...traceLines(r),
      );
  }
  lines.push(
    "",
    s.ok ? `OK: every required case passed against ${report.target}` : `FAILED: see above (${report.target})`,
    "",
  );
  return lines.join("\n");
}
