import type { RunReport } from "../case-result.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these control characters; the report strips them
const XML_FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function xml(text: string): string {
  return text
    .replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c)
    .replace(XML_FORBIDDEN_CONTROLS, "");
}

/** JUnit XML: one testsuite, one testcase per case (classname = the group before the last `/`). */
export function junitReport(report: RunReport): string {
  const failures = report.results.filter((r) => r.status === "failed" || r.status === "unexpected-pass").length;
  const skipped = report.results.filter((r) => r.status === "skipped" || r.status === "known-failing").length;
  const cases = report.results.map((r) => {
    const group = r.name.slice(0, r.name.lastIndexOf("/"));
    const open = `  <testcase classname="${xml(group)}" name="${xml(r.name)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
    if (r.status === "passed") return `${open}/>`;
    if (r.status === "skipped" || r.status === "known-failing")
      return `${open}>\n    <skipped message="${xml(r.status === "known-failing" ? `known failing: ${r.message ?? ""}` : (r.message ?? ""))}"/>\n  </testcase>`;
    return `${open}>\n    <failure message="${xml(r.message ?? "")}">${xml(r.description)}</failure>\n  </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuite name="polyplug-conformance" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
    ...cases,
    `</testsuite>`,
    "",
  ].join("\n");
}
