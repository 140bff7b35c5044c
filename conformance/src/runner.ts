import path from "node:path";
import { fileURLToPath } from "node:url";
import { matchesAny } from "./case-pattern.js";
import { summarize, type CaseResult, type RunReport } from "./case-result.js";
import type { CaseSpec } from "./case-spec.js";
import { CHECKS } from "./check-registry.js";
import { defaultFeatureSet, loadFeatures, type FeatureSet } from "./features.js";
import type { GatewayApiBackend } from "./gateway-api/gateway-api-backend.js";
import { createMemoryBackend } from "./gateway-api/memory-backend.js";
import { loadKnownFailing } from "./known-failing.js";
import { loadCases } from "./load-cases.js";
import { resolveTarget } from "./plugin-target.js";
import { runCase } from "./run-case.js";

/** The suite's own cases directory (conformance/cases). */
export const DEFAULT_CASES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "cases");

/** Options of `runConformance`. Only `plugin` is required. */
export interface RunOptions {
  /** The plugin command and arguments, or a single plugin directory. */
  readonly plugin: readonly string[];
  /** Only cases matching one of these patterns (default: all). */
  readonly cases?: readonly string[];
  /** Leave out cases matching these patterns. */
  readonly skip?: readonly string[];
  /** Features file; default: every feature but `tcp`, app version 1. */
  readonly featuresFile?: string;
  /** Known-failing list. */
  readonly knownFailingFile?: string;
  readonly casesDir?: string;
  /** Called before and after each case (for the progress line). */
  readonly onProgress?: (event: { index: number; total: number; spec: CaseSpec; result?: CaseResult }) => void;
  /** Storage behind the served GatewayAPI, one per session (default: in memory). */
  readonly backendFactory?: () => GatewayApiBackend;
}

/** Loads the cases, selects them, runs them one after another against the plugin, and reports. */
export async function runConformance(options: RunOptions): Promise<RunReport> {
  const target = await resolveTarget(options.plugin);
  const specs = await loadCases(options.casesDir ?? DEFAULT_CASES_DIR, new Set(Object.keys(CHECKS)));
  const features: FeatureSet = options.featuresFile ? await loadFeatures(options.featuresFile) : defaultFeatureSet();
  const knownFailing = options.knownFailingFile ? await loadKnownFailing(options.knownFailingFile) : [];
  const selected = specs.filter((spec) => (!options.cases?.length || matchesAny(spec.name, options.cases)) && !(options.skip?.length && matchesAny(spec.name, options.skip)));
  const startedAt = new Date();
  const results: CaseResult[] = [];
  for (const [index, spec] of selected.entries()) {
    options.onProgress?.({ index, total: selected.length, spec });
    let result: CaseResult;
    if (spec.feature && !features.features.has(spec.feature)) {
      result = { name: spec.name, description: spec.description, required: spec.required, status: "skipped", message: `feature "${spec.feature}" not declared`, durationMs: 0, trace: [] };
    } else {
      const check = CHECKS[spec.check];
      if (!check) throw new Error(`no check named ${spec.check}`);
      result = await runCase({ spec, check, target, features, knownFailing: knownFailing.length > 0 && matchesAny(spec.name, knownFailing), backendFactory: options.backendFactory ?? createMemoryBackend });
    }
    results.push(result);
    options.onProgress?.({ index, total: selected.length, spec, result });
  }
  return { target: target.label, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), results, summary: summarize(results) };
}
