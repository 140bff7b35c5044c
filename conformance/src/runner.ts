import path from "node:path";
import { fileURLToPath } from "node:url";
import { matchesAny } from "./case-pattern.js";
import { summarize, type CaseResult, type RunReport } from "./case-result.js";
import type { CaseSpec } from "./case-spec.js";
import { CHECKS } from "./check-registry.js";
import { defaultFeatureSet, KNOWN_FEATURES, loadFeatures, type FeatureSet } from "./features.js";
import type { GatewayApiBackend } from "./gateway-api/gateway-api-backend.js";
import { createMemoryBackend } from "./gateway-api/memory-backend.js";
import {
  DEFAULT_START_TIMEOUT_MS,
  hostSettings,
  isForeignCookie,
  type HostSettings,
  type MagicCookie,
} from "./host-settings.js";
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
  /** Features file; default: every feature but `tcp`, app version 1 (in go-plugin mode: only the optional `hclog` and `sigterm-exit`). */
  readonly featuresFile?: string;
  /** Features given directly (instead of a file). */
  readonly features?: FeatureSet;
  /** Magic cookie; another than Polyplug's runs the suite in go-plugin mode (Polyplug-specific cases skipped). */
  readonly cookie?: MagicCookie;
  /** App protocol versions the plugin speaks and the host offers (default: the features' `app_protocol_versions`). */
  readonly protocolVersions?: readonly number[];
  /** Start plugins through the host core with AutoMTLS, as `polyplug serve` with AutoMTLS on would. */
  readonly autoMtls?: boolean;
  /** Time from spawn to the handshake line (default 15 000 ms); case limits grow by whatever exceeds the default. */
  readonly startTimeoutMs?: number;
  /** Known-failing list. */
  readonly knownFailingFile?: string;
  readonly casesDir?: string;
  /** Called before and after each case (for the progress line). */
  readonly onProgress?: (event: { index: number; total: number; spec: CaseSpec; result?: CaseResult }) => void;
  /** Storage behind the served GatewayAPI, one per session (default: in memory). */
  readonly backendFactory?: () => GatewayApiBackend;
}

/** Go-plugin mode without a features file: only the optional go-plugin behaviours (reported, never failing the run). */
const GO_PLUGIN_FEATURES: FeatureSet = { features: new Set(["hclog", "sigterm-exit"]), appProtocolVersions: [1] };

/** Why a case does not run for this plugin, or undefined when it runs. */
function whySkipped(spec: CaseSpec, features: FeatureSet, settings: HostSettings): string | undefined {
  if (settings.goPluginMode && spec.polyplugOnly)
    return `Polyplug-specific, not a go-plugin rule (go-plugin mode: --cookie ${settings.handshake.magicCookieKey}=…): ${spec.polyplugOnly}`;
  if (spec.feature && !features.features.has(spec.feature)) {
    const meaning = KNOWN_FEATURES[spec.feature as keyof typeof KNOWN_FEATURES] ?? "an unknown feature";
    return `feature "${spec.feature}" not declared (${meaning}); declare it in the --features file if the plugin has it`;
  }
  return undefined;
}

/** Loads the cases, selects them, runs them one after another against the plugin, and reports. */
export async function runConformance(options: RunOptions): Promise<RunReport> {
  const target = await resolveTarget(options.plugin);
  const specs = await loadCases(options.casesDir ?? DEFAULT_CASES_DIR, new Set(Object.keys(CHECKS)));
  const declared: FeatureSet =
    options.features ??
    (options.featuresFile
      ? await loadFeatures(options.featuresFile)
      : isForeignCookie(options.cookie)
        ? GO_PLUGIN_FEATURES
        : defaultFeatureSet());
  const features: FeatureSet = options.protocolVersions
    ? { ...declared, appProtocolVersions: [...options.protocolVersions] }
    : declared;
  const settings = hostSettings({
    ...(options.cookie ? { cookie: options.cookie } : {}),
    protocolVersions: features.appProtocolVersions,
    ...(options.autoMtls !== undefined ? { autoMtls: options.autoMtls } : {}),
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
  });
  const knownFailing = options.knownFailingFile ? await loadKnownFailing(options.knownFailingFile) : [];
  const selected = specs.filter(
    (spec) =>
      (!options.cases?.length || matchesAny(spec.name, options.cases)) &&
      !(options.skip?.length && matchesAny(spec.name, options.skip)),
  );
  const startedAt = new Date();
  const results: CaseResult[] = [];
  for (const [index, spec] of selected.entries()) {
    options.onProgress?.({ index, total: selected.length, spec });
    let result: CaseResult;
    const skipReason = whySkipped(spec, features, settings);
    if (skipReason !== undefined) {
      result = {
        name: spec.name,
        description: spec.description,
        required: spec.required,
        status: "skipped",
        message: skipReason,
        durationMs: 0,
        trace: [],
      };
    } else {
      const check = CHECKS[spec.check];
      if (!check) throw new Error(`no check named ${spec.check}`);
      // A longer start timeout than the default lengthens every case by the difference.
      const timed = {
        ...spec,
        timeoutMs: spec.timeoutMs + Math.max(0, settings.startTimeoutMs - DEFAULT_START_TIMEOUT_MS),
      };
      result = await runCase({
        spec: timed,
        check,
        target,
        features,
        settings,
        knownFailing: knownFailing.length > 0 && matchesAny(spec.name, knownFailing),
        backendFactory: options.backendFactory ?? createMemoryBackend,
      });
    }
    results.push(result);
    options.onProgress?.({ index, total: selected.length, spec, result });
  }
  return {
    target: target.label,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    results,
    summary: summarize(results),
  };
}
