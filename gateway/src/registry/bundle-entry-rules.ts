import path from "node:path";

/**
 * The pure rules a bundle entry must follow, shared by the scan that checks a bundle
 * before anything is written and the extraction that writes it. Each check returns
 * `undefined` when the entry is acceptable, or the rule it breaks (for error messages).
 */

/** Tar entry types a bundle may hold. Everything else (hard links, devices, fifos…) is refused. */
export const ALLOWED_ENTRY_TYPES: ReadonlySet<string> = new Set([
  "File",
  "OldFile",
  "ContiguousFile",
  "Directory",
  "SymbolicLink",
]);

/** The result of checking an entry path: its normalised segments, or the rule it breaks. */
export type PathCheck =
  | { readonly ok: true; readonly segments: readonly string[] }
  | { readonly ok: false; readonly rule: string };

/**
 * Checks a path as written in a tar header: relative, `/`-separated, no `..` segment, no NUL
 * or backslash, not empty. `.` and empty segments are dropped from the returned segments.
 * A path that passes can never name anything outside the extraction folder.
 */
export function checkEntryPath(entryPath: string): PathCheck {
  if (entryPath.includes("\0")) return { ok: false, rule: "paths may not contain NUL characters" };
  if (entryPath.includes("\\")) return { ok: false, rule: "paths may not contain backslashes (bundles use /)" };
  if (entryPath.startsWith("/") || /^[A-Za-z]:/.test(entryPath))
    return { ok: false, rule: "absolute paths are not allowed" };
  const segments = entryPath.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) return { ok: false, rule: "`..` segments are not allowed" };
  if (segments.length === 0) return { ok: false, rule: "the path is empty" };
  return { ok: true, segments };
}

/**
 * Resolves a symlink's target lexically, relative to the folder holding the link, and checks
 * that it stays inside the top-level folder `top`. `linkSegments` are the link's own
 * (already checked) segments, starting with `top`. Returns the resolved segments or the rule.
 */
export function checkSymlinkTarget(linkSegments: readonly string[], target: string, top: string): PathCheck {
  if (target === "") return { ok: false, rule: "symlinks must have a target" };
  if (target.includes("\0") || target.includes("\\"))
    return { ok: false, rule: "symlink targets may not contain NUL characters or backslashes" };
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target))
    return { ok: false, rule: "symlinks may not point to absolute paths" };
  const resolved = linkSegments.slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (resolved.length <= 1) return { ok: false, rule: `symlinks may not point outside the plugin folder ${top}/` };
      resolved.pop();
    } else {
      resolved.push(segment);
    }
  }
  if (resolved[0] !== top) return { ok: false, rule: `symlinks may not point outside the plugin folder ${top}/` };
  return { ok: true, segments: resolved };
}

/** True when `child` is `parent` or lies inside it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The permission bits an extracted entry gets: no setuid/setgid/sticky, no group/other write. */
export function normalisedMode(type: string, mode: number | undefined): number {
  if (type === "Directory") return 0o755;
  return (mode ?? 0) & 0o111 ? 0o755 : 0o644;
}
