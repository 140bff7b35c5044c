import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonReport, runConformance, summarize, summaryTable, type CaseResult, type RunReport } from "../src/index.js";
import { shortenMessage } from "../src/run-case.js";

function report(results: CaseResult[]): RunReport {
  return {
    target: "plugin",
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    results,
    summary: summarize(results),
  };
}

const passed: CaseResult = {
  name: "a/passes",
  description: "d",
  required: true,
  status: "passed",
  message: undefined,
  durationMs: 1,
  trace: [{ step: "sent Describe", detail: { id: 1 } }],
};
const skipped: CaseResult = {
  name: "a/skipped",
  description: "d",
  required: true,
  status: "skipped",
  message: 'the features file does not declare "tcp"',
  durationMs: 0,
  trace: [],
};

describe("messages", () => {
  it("collapses a part repeated by nested decoders and caps the length", () => {
    const repeated = `GatewayAPI.Log: ${Array(40).fill("invalid wire type 7 at offset 3").join(": ")}: end`;
    expect(shortenMessage(repeated)).toBe("GatewayAPI.Log: invalid wire type 7 at offset 3 (×40): end");
    const long = shortenMessage("x".repeat(5000));
    expect(long.length).toBeLessThan(1300);
    expect(long).toMatch(/\[3800 characters left out\]/);
  });
  it("never grows a message beyond the cap", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 4000 }),
        (text) => void expect(shortenMessage(text).length).toBeLessThanOrEqual(Math.max(text.length, 1300)),
      ),
    );
  });
});

describe("reports", () => {
  it("say why each case was skipped, in the table and in JSON", () => {
    const r = report([passed, skipped]);
    expect(summaryTable(r, false)).toContain('Skipped:\n  - a/skipped: the features file does not declare "tcp"');
    expect(JSON.parse(jsonReport(r, false)).skipped).toEqual({
      "a/skipped": 'the features file does not declare "tcp"',
    });
  });
  it("-v prints the traces of passing cases too", () => {
    expect(summaryTable(report([passed]), true)).toContain("· sent Describe");
    expect(summaryTable(report([passed]), false)).not.toContain("· sent Describe");
  });
});

describe("go-plugin mode", () => {
  it("skips Polyplug-specific cases with the reason, without starting the plugin", async () => {
    const r = await runConformance({
      plugin: ["/nonexistent/plugin"],
      cookie: { key: "BASIC_PLUGIN", value: "hello" },
      cases: ["lifecycle/describe", "process/exits-with-parent"],
    });
    expect(r.results.map((x) => x.status)).toEqual(["skipped", "skipped"]);
    expect(r.results[0]?.message).toMatch(/^Polyplug-specific, not a go-plugin rule .*feature contract/);
    expect(r.results[1]?.message).toMatch(/do not watch their parent/);
  });
  it("keeps Polyplug's own cookie in Polyplug mode", async () => {
    const r = await runConformance({
      plugin: ["/nonexistent/plugin"],
      features: { features: new Set(), appProtocolVersions: [1] },
      cases: ["lifecycle/describe"],
    });
    expect(r.results[0]?.message).toBe(
      'feature "contract" not declared (the plugin implements the Polyplug conformance plugin behaviour (conformance/README.md)); declare it in the --features file if the plugin has it',
    );
  });
});
