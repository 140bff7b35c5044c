/**
 * Matches a case name against a pattern: `*` matches within one segment, `**` across
 * segments, and a pattern without wildcards also matches every case below it
 * (`handshake` matches `handshake/cookie-missing`).
 */
export function matchesCasePattern(name: string, pattern: string): boolean {
  const trimmed = pattern.trim().replace(/\/+$/, "");
  if (trimmed === "") return false;
  if (!trimmed.includes("*")) return name === trimmed || name.startsWith(`${trimmed}/`);
  let source = "";
  for (let i = 0; i < trimmed.length; i++) {
    const char = trimmed[i] as string;
    if (char === "*" && trimmed[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else source += char.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}(/.*)?$`).test(name);
}

/** True when `name` matches any of `patterns` (comma-separated lists are split). */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.flatMap((p) => p.split(",")).some((pattern) => matchesCasePattern(name, pattern));
}
