import { readFile } from "node:fs/promises";
import { parseYamlStrict } from "polyplug/registry";
import { CaseLoadError } from "./case-load-error.js";

/** Every optional feature the suite knows; a features file may list only these. */
export const KNOWN_FEATURES = {
  contract: "the plugin implements the Polyplug conformance plugin behaviour (conformance/README.md)",
  hclog: "stderr log lines are hclog JSON",
  "sigterm-exit": "the process exits promptly on SIGTERM (MAY in the protocol)",
  "cancel-observed": "hook handlers see the gateway's cancellation (SHOULD in the protocol)",
  tcp: "the plugin listens on TCP instead of a unix socket",
} as const;

/** A feature name. */
export type Feature = keyof typeof KNOWN_FEATURES;

/** What an implementation declares about itself. */
export interface FeatureSet {
  /** Features the implementation supports; cases needing others are skipped. */
  readonly features: ReadonlySet<string>;
  /** App protocol versions the plugin supports (default [1]). */
  readonly appProtocolVersions: readonly number[];
}

/** The default without a features file: every feature except `tcp`, app version 1. */
export function defaultFeatureSet(): FeatureSet {
  return { features: new Set(Object.keys(KNOWN_FEATURES).filter((f) => f !== "tcp")), appProtocolVersions: [1] };
}

/**
 * Parses a features file:
 * ```yaml
 * features: [contract, hclog]      # supported optional features
 * app_protocol_versions: [1]      # optional, default [1]
 * ```
 */
export function parseFeatures(text: string, file: string): FeatureSet {
  let document: unknown;
  try {
    document = parseYamlStrict(text);
  } catch (error) {
    throw new CaseLoadError(
      file,
      "document",
      `not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw new CaseLoadError(file, "document", `must be a mapping with a "features" list`);
  const raw = document as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== "features" && key !== "app_protocol_versions")
      throw new CaseLoadError(file, "document", `unknown field "${key}" (known: features, app_protocol_versions)`);
  }
  const list = raw.features ?? [];
  if (!Array.isArray(list)) throw new CaseLoadError(file, "features", `must be a list of feature names`);
  const features = new Set<string>();
  list.forEach((value, index) => {
    if (typeof value !== "string" || !(value in KNOWN_FEATURES)) {
      throw new CaseLoadError(
        file,
        `features[${index}]`,
        `unknown feature ${JSON.stringify(value)} (known: ${Object.keys(KNOWN_FEATURES).join(", ")})`,
      );
    }
    features.add(value);
  });
  const versions = raw.app_protocol_versions ?? [1];
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    versions.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < 1)
  ) {
    throw new CaseLoadError(
      file,
      "app_protocol_versions",
      `must be a non-empty list of positive integers, got ${JSON.stringify(versions)}`,
    );
  }
  return { features, appProtocolVersions: versions as number[] };
}

/** Reads and parses a features file. */
export async function loadFeatures(file: string): Promise<FeatureSet> {
  return parseFeatures(await readFile(file, "utf8"), file);
}
