import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseYamlStrict } from "polyplug/registry";
import { CaseLoadError } from "./case-load-error.js";
import { CASE_NAME_PATTERN, DEFAULT_CASE_TIMEOUT_MS, type CaseSpec } from "./case-spec.js";

const CASE_KEYS = new Set([
  "name",
  "description",
  "feature",
  "polyplug_only",
  "required",
  "check",
  "timeout_ms",
  "params",
  "expect",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(
  raw: Record<string, unknown>,
  key: string,
  file: string,
  where: string,
  optional = false,
): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw new CaseLoadError(file, where, `field "${key}" is missing`);
  }
  if (typeof value !== "string" || value.trim() === "")
    throw new CaseLoadError(file, where, `field "${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function recordField(raw: Record<string, unknown>, key: string, file: string, where: string): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value))
    throw new CaseLoadError(file, where, `field "${key}" must be a mapping, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Validates one case entry of a cases file. `index` is its position in `cases`, used in
 * errors until the name is known. Throws CaseLoadError naming file, case and field.
 */
export function parseCase(raw: unknown, file: string, index: number, knownChecks?: ReadonlySet<string>): CaseSpec {
  let where = `cases[${index}]`;
  if (!isRecord(raw)) throw new CaseLoadError(file, where, `each case must be a mapping, got ${JSON.stringify(raw)}`);
  const name = stringField(raw, "name", file, where) as string;
  where = `case "${name}"`;
  if (!CASE_NAME_PATTERN.test(name))
    throw new CaseLoadError(
      file,
      where,
      `field "name" must be lower-case segments separated by "/" (e.g. handshake/cookie-missing)`,
    );
  for (const key of Object.keys(raw)) {
    if (!CASE_KEYS.has(key))
      throw new CaseLoadError(file, where, `unknown field "${key}" (known: ${[...CASE_KEYS].join(", ")})`);
  }
  const description = stringField(raw, "description", file, where) as string;
  const feature = stringField(raw, "feature", file, where, true);
  const polyplugOnly = stringField(raw, "polyplug_only", file, where, true);
  const check = stringField(raw, "check", file, where) as string;
  if (knownChecks && !knownChecks.has(check))
    throw new CaseLoadError(file, where, `field "check": no check named "${check}" is registered`);
  const required = raw.required ?? true;
  if (typeof required !== "boolean")
    throw new CaseLoadError(file, where, `field "required" must be true or false, got ${JSON.stringify(required)}`);
  const timeout = raw.timeout_ms ?? DEFAULT_CASE_TIMEOUT_MS;
  if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout <= 0) {
    throw new CaseLoadError(
      file,
      where,
      `field "timeout_ms" must be a positive integer, got ${JSON.stringify(timeout)}`,
    );
  }
  return {
    name,
    description,
    feature,
    polyplugOnly:
      polyplugOnly ??
      (feature === "contract" ? "needs the Polyplug conformance plugin behaviour (feature contract)" : undefined),
    required,
    check,
    timeoutMs: timeout,
    params: recordField(raw, "params", file, where),
    expect: recordField(raw, "expect", file, where),
    file,
  };
}

/** Parses the text of one cases file: a mapping with a `cases` list. */
export function parseCasesFile(text: string, file: string, knownChecks?: ReadonlySet<string>): CaseSpec[] {
  let document: unknown;
  try {
    document = parseYamlStrict(text, { merge: true });
  } catch (error) {
    throw new CaseLoadError(
      file,
      "document",
      `not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isRecord(document) || !Array.isArray(document.cases))
    throw new CaseLoadError(file, "document", `must be a mapping with a "cases" list`);
  for (const key of Object.keys(document)) {
    if (key !== "cases") throw new CaseLoadError(file, "document", `unknown top-level field "${key}" (only "cases")`);
  }
  return document.cases.map((raw, index) => parseCase(raw, file, index, knownChecks));
}

/** Loads every `*.yaml` in `dir`, sorted by name; names must be unique across files. */
export async function loadCases(dir: string, knownChecks?: ReadonlySet<string>): Promise<CaseSpec[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".yaml")).sort();
  const seen = new Map<string, string>();
  const all: CaseSpec[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    for (const spec of parseCasesFile(await readFile(file, "utf8"), file, knownChecks)) {
      const earlier = seen.get(spec.name);
      if (earlier) throw new CaseLoadError(file, `case "${spec.name}"`, `duplicate name (also in ${earlier})`);
      seen.set(spec.name, file);
      all.push(spec);
    }
  }
  return all;
}
