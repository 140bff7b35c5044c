import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkEntryPath, checkSymlinkTarget, isInside } from "./bundle-entry-rules.js";

const ROOT = "/extract/root";
/** Path segments biased towards the tricky ones. */
const segment = fc.oneof(
  fc.constantFrom("..", ".", "", "a", "b", "p.x", "...", "..a", "C:", "\\..", "a\\..\\.."),
  fc.string({ maxLength: 6 }),
);
const entryPath = fc.oneof(
  fc.array(segment, { maxLength: 8 }).map((parts) => parts.join("/")),
  fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join("/")}`),
  fc.string({ maxLength: 30 }),
);

describe("checkEntryPath", () => {
  it("never accepts a path that resolves outside the extraction folder", () => {
    fc.assert(
      fc.property(entryPath, (p) => {
        const result = checkEntryPath(p);
        if (!result.ok) return;
        const resolved = path.posix.resolve(ROOT, p);
        expect(isInside(ROOT, resolved) && resolved !== ROOT).toBe(true);
        expect(path.posix.join(ROOT, ...result.segments)).toBe(resolved);
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts plain relative paths", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,8}$/), { minLength: 1, maxLength: 6 }),
        (parts) => {
          fc.pre(!parts.some((part) => part === "." || part === ".."));
          expect(checkEntryPath(parts.join("/"))).toEqual({ ok: true, segments: parts });
        },
      ),
    );
  });

  it.each([
    ["../x", "`..` segments are not allowed"],
    ["a/../../x", "`..` segments are not allowed"],
    ["/etc/passwd", "absolute paths are not allowed"],
    ["C:/x", "absolute paths are not allowed"],
    ["a\\..\\x", "paths may not contain backslashes (bundles use /)"],
    ["./", "the path is empty"],
    ["a\0b", "paths may not contain NUL characters"],
  ])("refuses %j", (p, rule) => {
    expect(checkEntryPath(p)).toEqual({ ok: false, rule });
  });
});

describe("checkSymlinkTarget", () => {
  it("never accepts a target that leaves the top folder", () => {
    const link = fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 4 }).map((parts) => ["top", ...parts, "link"]);
    fc.assert(
      fc.property(link, entryPath, (segments, target) => {
        const result = checkSymlinkTarget(segments, target, "top");
        if (!result.ok) return;
        const linkDir = path.posix.join(ROOT, ...segments.slice(0, -1));
        expect(isInside(path.posix.join(ROOT, "top"), path.posix.resolve(linkDir, target))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts links within the folder and refuses the rest", () => {
    expect(checkSymlinkTarget(["top", "bin", "run"], "../run.sh", "top")).toEqual({
      ok: true,
      segments: ["top", "run.sh"],
    });
    expect(checkSymlinkTarget(["top", "run"], "..", "top").ok).toBe(false);
    expect(checkSymlinkTarget(["top", "run"], "/bin/sh", "top").ok).toBe(false);
    expect(checkSymlinkTarget(["top", "run"], "../top2/x", "top").ok).toBe(false);
  });
});
