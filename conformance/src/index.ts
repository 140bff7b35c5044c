// The public surface of the conformance package, listed explicitly.
export { runConformance, DEFAULT_CASES_DIR, type RunOptions } from "./runner.js";
export { runConformanceCli, type ConformanceCliOptions, type ConformanceCliIo } from "./run-cli.js";
export { loadCases, parseCasesFile, parseCase } from "./load-cases.js";
export { CaseLoadError } from "./case-load-error.js";
export type { CaseSpec } from "./case-spec.js";
export { summarize, type CaseResult, type CaseStatus, type RunReport, type RunSummary } from "./case-result.js";
export {
  parseFeatures,
  loadFeatures,
  defaultFeatureSet,
  KNOWN_FEATURES,
  type FeatureSet,
  type Feature,
} from "./features.js";
export { parseKnownFailing, loadKnownFailing } from "./known-failing.js";
export { matchesCasePattern, matchesAny } from "./case-pattern.js";
export { CHECKS } from "./check-registry.js";
export { jsonReport } from "./reports/json-report.js";
export { junitReport } from "./reports/junit-report.js";
export { markdownReport } from "./reports/markdown-report.js";
export { summaryTable, progressLine } from "./reports/console-report.js";
export type {
  GatewayApiBackend,
  KvCondition,
  LoggedRecord,
  PublishedEvent,
} from "./gateway-api/gateway-api-backend.js";
export { createMemoryBackend, type MemoryBackend } from "./gateway-api/memory-backend.js";
export { CONFORMANCE_PLUGIN_ID } from "./contract-session.js";
