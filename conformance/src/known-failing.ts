import { readFile } from "node:fs/promises";
import { CaseLoadError } from "./case-load-error.js";

/**
 * Parses a known-failing list: one case name or pattern per line (see case-pattern.ts),
 * `#` starts a comment, blank lines are ignored. Every entry should carry a comment
 * saying why it fails. Patterns may contain only case-name characters, `/` and `*`.
 */
export function parseKnownFailing(text: string, file: string): string[] {
  const patterns: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const entry = line.replace(/#.*$/, "").trim();
    if (entry === "") return;
    if (!/^[a-z0-9*][a-z0-9*/-]*$/.test(entry))
      throw new CaseLoadError(file, `line ${index + 1}`, `not a case name or pattern: ${JSON.stringify(entry)}`);
    patterns.push(entry);
  });
  return patterns;
}

/** Reads and parses a known-failing file. */
export async function loadKnownFailing(file: string): Promise<string[]> {
  return parseKnownFailing(await readFile(file, "utf8"), file);
}
