import { Parser, type ReadEntry } from "tar";
import { ErrorCode, PolyplugError } from "../errors.js";
import { ALLOWED_ENTRY_TYPES, checkEntryPath, checkSymlinkTarget } from "./bundle-entry-rules.js";
import { feedTarGz } from "./bundle-tar-stream.js";
import { formatBytes, MAX_MANIFEST_BYTES, maxTarStreamBytes, type BundleLimits } from "./bundle-limits.js";
import { MANIFEST_FILES } from "./manifest.js";

/** One entry of a scanned bundle, path normalised (`top/sub/file`). */
export interface ScannedEntry {
  readonly path: string;
  readonly type: "File" | "Directory" | "SymbolicLink";
  readonly size: number;
  readonly mode: number;
}

/** What the scan learned about a bundle without writing anything. */
export interface BundleScan {
  /** The single top-level folder (the plugin id). */
  readonly top: string;
  readonly entries: ReadonlyMap<string, ScannedEntry>;
  /** The manifest's name inside the top folder and its text. */
  readonly manifest: { readonly name: string; readonly text: string };
  /** Total of the entries' file sizes. */
  readonly unpackedBytes: number;
}

function refuse(
  entryPath: string,
  rule: string,
  code: PolyplugError["code"] = ErrorCode.InvalidArgument,
): PolyplugError {
  return new PolyplugError(code, `bundle entry ${JSON.stringify(entryPath)}: ${rule}`, {
    details: { entry: entryPath },
  });
}

/**
 * Applies every per-entry rule of a bundle to one tar entry header. Returns the normalised
 * entry or throws. `top` is the top-level folder seen so far (undefined for the first entry).
 */
export function checkEntryHeader(
  entry: Pick<ReadEntry, "path" | "type" | "size" | "mode" | "linkpath">,
  top: string | undefined,
): ScannedEntry & { readonly segments: readonly string[] } {
  const raw = entry.path;
  if (entry.type === "Link") throw refuse(raw, "hard links are not allowed in bundles");
  if (!ALLOWED_ENTRY_TYPES.has(entry.type))
    throw refuse(raw, `entries of type ${entry.type} are not allowed (only files, folders and symlinks)`);
  const checked = checkEntryPath(raw);
  if (!checked.ok) throw refuse(raw, checked.rule);
  const segments = checked.segments;
  const first = segments[0] ?? "";
  if (top !== undefined && first !== top)
    throw refuse(raw, `every entry must be inside the single top-level folder ${JSON.stringify(top)}`);
  const type = entry.type === "Directory" ? "Directory" : entry.type === "SymbolicLink" ? "SymbolicLink" : "File";
  if (segments.length === 1 && type !== "Directory")
    throw refuse(raw, "a bundle holds one top-level folder; files may not sit beside it");
  if (type === "SymbolicLink") {
    const target = checkSymlinkTarget(segments, entry.linkpath ?? "", first);
    if (!target.ok) throw refuse(raw, `${target.rule} (target ${JSON.stringify(entry.linkpath ?? "")})`);
  }
  return { path: segments.join("/"), segments, type, size: type === "File" ? entry.size : 0, mode: entry.mode ?? 0 };
}

/**
 * Reads a gzip-compressed bundle in memory and checks every entry header, the totals and the
 * layout, without writing anything: entry count, unpacked size (from the headers, and the
 * decompressed stream length), paths, link targets, entry types, duplicates, entries below a
 * symlink, and a single top-level folder holding a manifest. Returns the manifest text for
 * validation. Throws PolyplugError `invalid_argument` or `resource_exhausted` naming the rule.
 */
export async function scanBundle(compressed: Uint8Array, limits: BundleLimits): Promise<BundleScan> {
  const entries = new Map<string, ScannedEntry>();
  let top: string | undefined;
  let unpackedBytes = 0;
  let violation: PolyplugError | undefined;
  const manifestChunks = new Map<string, Buffer[]>();
  const manifestNames = new Set<string>();

  const onEntry = (entry: ReadEntry) => {
    if (violation) return entry.resume();
    try {
      if (entries.size + 1 > limits.maxEntries) {
        throw new PolyplugError(ErrorCode.ResourceExhausted, `bundle has more than ${limits.maxEntries} entries`);
      }
      const checked = checkEntryHeader(entry, top);
      top ??= checked.segments[0];
      unpackedBytes += checked.size;
      if (unpackedBytes > limits.maxUnpackedBytes) {
        throw refuse(
          checked.path,
          `the bundle unpacks to more than ${formatBytes(limits.maxUnpackedBytes)}`,
          ErrorCode.ResourceExhausted,
        );
      }
      if (entries.has(checked.path)) throw refuse(entry.path, "the bundle holds this path twice");
      entries.set(checked.path, { path: checked.path, type: checked.type, size: checked.size, mode: checked.mode });
      const name = checked.segments.length === 2 ? (checked.segments[1] ?? "") : "";
      if (checked.type === "File" && (MANIFEST_FILES as readonly string[]).includes(name)) {
        if (checked.size > MAX_MANIFEST_BYTES)
          throw refuse(
            checked.path,
            `a manifest may not be larger than ${formatBytes(MAX_MANIFEST_BYTES)}`,
            ErrorCode.ResourceExhausted,
          );
        const chunks: Buffer[] = [];
        manifestChunks.set(name, chunks);
        manifestNames.add(name);
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        return;
      }
    } catch (error) {
      violation = PolyplugError.from(error);
    }
    entry.resume();
  };

  const parser = new Parser({ strict: true, brotli: false, maxMetaEntrySize: 64 * 1024, onReadEntry: onEntry });
  await feedTarGz(compressed, parser, maxTarStreamBytes(limits), () => violation);
  if (violation) throw violation;
  if (top === undefined)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      "bundle is empty: it must hold one folder named after the plugin id",
    );
  checkNothingBelowSymlinks(entries);
  const manifestName = MANIFEST_FILES.find((name) => manifestNames.has(name));
  if (!manifestName)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `bundle has no manifest: expected ${MANIFEST_FILES.map((name) => `${top}/${name}`).join(" or ")}`,
    );
  const text = Buffer.concat(manifestChunks.get(manifestName) ?? []).toString("utf8");
  return { top, entries, manifest: { name: manifestName, text }, unpackedBytes };
}

function checkNothingBelowSymlinks(entries: ReadonlyMap<string, ScannedEntry>): void {
  for (const entry of entries.values()) {
    const segments = entry.path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const ancestor = segments.slice(0, i).join("/");
      if (entries.get(ancestor)?.type === "SymbolicLink")
        throw refuse(entry.path, `it lies below the symlink ${ancestor} (writing through links is not allowed)`);
    }
  }
}
