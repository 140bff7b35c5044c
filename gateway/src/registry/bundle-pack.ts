import { createHash, type KeyObject } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";
import { checkSymlinkTarget, isInside, normalisedMode } from "./bundle-entry-rules.js";
import { buildIntoStage, type BundleBuildOptions } from "./bundle-build.js";
import { readBundleIgnore, KEEP_EVERYTHING, type BundleIgnore } from "./bundle-ignore.js";
import { checkBundleExecutables } from "./bundle-executables.js";
import type { ScannedEntry } from "./bundle-scan.js";
import { writeTarGz, type TarEntrySpec } from "./bundle-tar-writer.js";
import { readManifest, type Manifest } from "./manifest.js";
import { writeBundleSignature, type SignatureFile } from "./signature.js";

/** Options of `packBundle`. */
export interface PackBundleOptions {
  /** Sign the bundle with this ed25519 private key and write `<outFile>.sig`. */
  readonly signingKey?: KeyObject;
  /** Called as files are added: files done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Build what the plugin needs to run into the bundle (Go binaries per os-arch, Python
   * wheels, production node_modules) from a staged copy of the folder; see bundle-build.ts.
   * Without it the folder is packed as it is (minus ignored files).
   */
  readonly build?: BundleBuildOptions;
}

/** The result of `packBundle`. */
export interface PackedBundle {
  readonly file: string;
  /** Size of the `.tar.gz`. */
  readonly bytes: number;
  /** SHA-256 of the `.tar.gz`, lower-case hex. */
  readonly sha256: string;
  readonly manifest: Manifest;
  /** The signature written next to the bundle, when signed. */
  readonly signature?: { readonly file: string; readonly content: SignatureFile };
}

/** Lists the paths of the folder `root` to pack (relative, `/`-separated), minus ignored ones and `skip` (absolute). */
export async function walkPluginFolder(
  root: string,
  rules: BundleIgnore,
  skip: ReadonlySet<string>,
  relative = "",
  out: string[] = [],
): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (skip.has(path.join(root, child)) || rules.ignores(child, entry.isDirectory())) continue;
    out.push(child);
    if (entry.isDirectory()) await walkPluginFolder(root, rules, skip, child, out);
  }
  return out;
}

async function entryFor(dir: string, realDir: string, top: string, relative: string): Promise<TarEntrySpec> {
  const absolute = path.join(dir, relative);
  const info = await lstat(absolute);
  const archivePath = `${top}/${relative}`;
  if (info.isDirectory()) return { path: archivePath, type: "Directory", mode: normalisedMode("Directory", info.mode) };
  if (info.isFile())
    return {
      path: archivePath,
      type: "File",
      mode: normalisedMode("File", info.mode),
      data: { file: absolute, size: info.size },
    };
  if (info.isSymbolicLink()) {
    const target = await readlink(absolute);
    const lexical = checkSymlinkTarget(archivePath.split("/"), target, top);
    let resolved: string | undefined;
    try {
      resolved = await realpath(absolute);
    } catch {
      resolved = undefined;
    }
    if (!lexical.ok || resolved === undefined || !isInside(realDir, resolved)) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `${absolute}: the symlink to ${JSON.stringify(target)} ${resolved === undefined ? "is dangling" : "points outside the plugin folder"}; bundles may only hold links inside the plugin (leave it out with a line in .polyplugignore)`,
      );
    }
    return { path: archivePath, type: "SymbolicLink", linkpath: target };
  }
  throw new PolyplugError(
    ErrorCode.InvalidArgument,
    `${absolute}: only files, folders and symlinks can be bundled (this is a socket, fifo or device)`,
  );
}

/**
 * Packs the plugin folder `dir` into the gzip-compressed tar `outFile`, with one top-level
 * folder named after the plugin id. The manifest is validated first and the executables it
 * names must exist; links must stay inside the folder. Output is deterministic: entries in
 * sorted order, fixed mtime, uid/gid 0, modes normalised to 0755/0644. Paths matched by
 * DEFAULT_BUNDLE_IGNORES, `.gitignore` or `.polyplugignore` are skipped, and so is `outFile`
 * itself when it lies inside `dir`. With `options.build`, the bundle is packed from a staged
 * copy holding the built dependencies. Throws PolyplugError naming the file.
 */
export async function packBundle(dir: string, outFile: string, options: PackBundleOptions = {}): Promise<PackedBundle> {
  const read = await readManifest(dir);
  const out = path.resolve(outFile);
  const skip = new Set([out, `${out}.sig`]);
  const rules = await readBundleIgnore(dir);
  if (!options.build) return packFolder(dir, read, await walkPluginFolder(dir, rules, skip), out, options);
  const stage = await buildIntoStage(dir, read.manifest, await walkPluginFolder(dir, rules, skip), options.build);
  try {
    const staged = await readManifest(stage.dir);
    return await packFolder(
      stage.dir,
      { manifest: staged.manifest, file: path.join(dir, path.basename(staged.file)) },
      await walkPluginFolder(stage.dir, KEEP_EVERYTHING, new Set()),
      out,
      options,
    );
  } finally {
    await stage.cleanup();
  }
}

async function packFolder(
  dir: string,
  { manifest, file: manifestFile }: { manifest: Manifest; file: string },
  relatives: string[],
  out: string,
  options: PackBundleOptions,
): Promise<PackedBundle> {
  const realDir = await realpath(dir);
  relatives.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const specs = [
    { path: manifest.id, type: "Directory", mode: 0o755 } as const,
    ...(await Promise.all(relatives.map((relative) => entryFor(dir, realDir, manifest.id, relative)))),
  ];

  const scanned = new Map<string, ScannedEntry>(
    specs.map((spec) => [
      spec.path,
      {
        path: spec.path,
        type: spec.type === "Directory" ? "Directory" : spec.type === "SymbolicLink" ? "SymbolicLink" : "File",
        size: 0,
        mode: spec.mode ?? 0,
      },
    ]),
  );
  checkBundleExecutables(
    manifest,
    { top: manifest.id, entries: scanned, manifest: { name: path.basename(manifestFile), text: "" }, unpackedBytes: 0 },
    manifestFile,
  );

  let done = 0;
  const files = specs.filter((spec) => spec.type === "File").length;
  async function* progress(): AsyncGenerator<TarEntrySpec> {
    for (const spec of specs) {
      yield spec;
      if (spec.type === "File") options.onProgress?.(++done, files);
    }
  }
  await writeTarGz(progress(), out);
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(out)) hash.update(chunk as Buffer);
  const sha256 = hash.digest("hex");
  const bytes = (await stat(out)).size;
  if (!options.signingKey) return { file: out, bytes, sha256, manifest };
  const written = await writeBundleSignature(out, sha256, options.signingKey);
  return { file: out, bytes, sha256, manifest, signature: { file: written.file, content: written.signature } };
}
