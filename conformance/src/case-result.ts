/** How one case ended for one implementation. */
export type CaseStatus = "passed" | "failed" | "skipped" | "known-failing" | "unexpected-pass";

/** The result of one case. `unexpected-pass` (listed as known-failing but passed) counts as a failure. */
export interface CaseResult {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly status: CaseStatus;
  /** Why it failed or was skipped. */
  readonly message: string | undefined;
  readonly durationMs: number;
  /** Steps recorded by the check (what was sent, what came back); kept with `-v`. */
  readonly trace: ReadonlyArray<{ readonly step: string; readonly detail?: unknown }>;
}

/** The result of a whole run. */
export interface RunReport {
  readonly target: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly results: readonly CaseResult[];
  readonly summary: RunSummary;
}

/** Counts of a run; `ok` is false when a required case failed or a known-failing case passed. */
export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly knownFailing: number;
  readonly unexpectedPasses: number;
  readonly ok: boolean;
}

/** Computes the summary of a list of results. */
export function summarize(results: readonly CaseResult[]): RunSummary {
  const count = (status: CaseResult["status"]) => results.filter((r) => r.status === status).length;
  const requiredFailures = results.filter((r) => r.status === "failed" && r.required).length;
  return {
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    knownFailing: count("known-failing"),
    unexpectedPasses: count("unexpected-pass"),
    ok: requiredFailures === 0 && count("unexpected-pass") === 0,
  };
}
