import type { CaseResult, RunReport } from "../case-result.js";

const MARK: Record<CaseResult["status"], string> = {
  passed: "✅ pass",
  failed: "❌ FAIL",
  skipped: "⏭ skip",
  "known-failing": "⚠ known failing",
  "unexpected-pass": "❌ passed but listed known-failing",
};

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A Markdown table of every case with its status and message. */
export function markdownReport(report: RunReport): string {
  const s = report.summary;
  return [
    `# Polyplug conformance: ${cell(report.target)}`,
    "",
    `${s.ok ? "**PASS**" : "**FAIL**"} — ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.knownFailing} known failing, ${s.unexpectedPasses} unexpected passes (${(report.durationMs / 1000).toFixed(1)} s)`,
    "",
    "| Case | Required | Result | Details |",
    "|---|---|---|---|",
    ...report.results.map(
      (r) => `| \`${r.name}\` | ${r.required ? "yes" : "no"} | ${MARK[r.status]} | ${cell(r.message ?? "")} |`,
    ),
    "",
  ].join("\n");
}
