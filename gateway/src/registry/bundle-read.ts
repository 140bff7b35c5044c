import { createHash } from "node:crypto";
import { lstat, mkdtemp, readFile, readlink, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Unpack, type ReadEntry } from "tar";
import { ErrorCode, PolyplugError } from "../errors.js";
import { isInside, normalisedMode } from "./bundle-entry-rules.js";
import { DEFAULT_BUNDLE_LIMITS, formatBytes, maxTarStreamBytes, type BundleLimits } from "./bundle-limits.js";
import { checkBundleExecutables } from "./bundle-executables.js";
import { checkEntryHeader, scanBundle, type BundleScan } from "./bundle-scan.js";
import { feedTarGz } from "./bundle-tar-stream.js";
import { parseManifest, type Manifest } from "./manifest.js";
import { checkBundleSignature, signatureFileFor, type SignatureStatus } from "./signature.js";
import type { TrustedKey } from "./signature-keys.js";

/** Options of `readBundle`. */
export interface ReadBundleOptions {
  /** Largest compressed bundle, bytes (default 50 MiB). */
  readonly maxBytes?: number;
  /** Largest total unpacked size, bytes (default 500 MiB). */
  readonly maxUnpackedBytes?: number;
  /** Most entries (default 10 000). */
  readonly maxEntries?: number;
  /** Keys whose signatures are accepted (see `loadTrustedKeys`). */
  readonly trustedKeys?: readonly TrustedKey[];
  /** Refuse bundles without a valid signature by a trusted key. */
  readonly requireSignature?: boolean;
  /**
   * Detached signature file contents. When omitted and `source` is a path, `<source>.sig`
   * is read if it exists.
   */
  readonly signature?: Uint8Array | string;
  /** Where the private temp folder is made (default: the OS temp folder). */
  readonly tempRoot?: string;
}

/** A bundle checked and unpacked into a private temp folder. */
export interface ReadBundle {
  /** The unpacked plugin folder (`<temp>/<plugin id>`), ready for `gateway.install(dir)`. */
  readonly dir: string;
  readonly manifest: Manifest;
  /** SHA-256 of the compressed bundle, lower-case hex. */
  readonly sha256: string;
  readonly signature: SignatureStatus;
  /** Deletes the temp folder. */
  cleanup(): Promise<void>;
}

async function loadBytes(source: string | Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    new PolyplugError(
      ErrorCode.ResourceExhausted,
      `bundle is ${formatBytes(size)}, larger than the limit of ${formatBytes(maxBytes)}`,
      { details: { bytes: size, limit: maxBytes } },
    );
  if (typeof source !== "string") {
    if (source.byteLength > maxBytes) throw tooLarge(source.byteLength);
    return source;
  }
  let size: number;
  try {
    const info = await stat(source);
    if (!info.isFile()) throw new PolyplugError(ErrorCode.InvalidArgument, `${source} is not a file`);
    size = info.size;
  } catch (cause) {
    if (cause instanceof PolyplugError) throw cause;
    throw new PolyplugError(ErrorCode.NotFound, `cannot read bundle ${source}: ${(cause as Error).message}`, { cause });
  }
  if (size > maxBytes) throw tooLarge(size);
  const bytes = await readFile(source);
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength);
  return bytes;
}

async function loadSignature(
  source: string | Uint8Array,
  signature: Uint8Array | string | undefined,
): Promise<Uint8Array | string | undefined> {
  if (signature !== undefined || typeof source !== "string") return signature;
  try {
    return await readFile(signatureFileFor(source));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `cannot read the signature ${signatureFileFor(source)}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** Unpacks the already-scanned bundle into `dir`, re-checking each header (defence in depth). */
async function extract(bytes: Uint8Array, scan: BundleScan, dir: string, limits: BundleLimits): Promise<void> {
  let violation: PolyplugError | undefined;
  const filter = (_path: string, entry: ReadEntry | unknown) => {
    const header = entry as ReadEntry;
    try {
      const checked = checkEntryHeader(header, scan.top);
      if (!scan.entries.has(checked.path))
        throw new PolyplugError(
          ErrorCode.InvalidArgument,
          `bundle entry ${JSON.stringify(header.path)} was not seen by the scan`,
        );
      header.mode = normalisedMode(header.type, header.mode);
      return true;
    } catch (error) {
      violation ??= PolyplugError.from(error);
      return false;
    }
  };
  const unpack = new Unpack({
    cwd: dir,
    strict: true,
    brotli: false,
    preservePaths: false,
    preserveOwner: false,
    maxMetaEntrySize: 64 * 1024,
    filter,
  });
  await feedTarGz(bytes, unpack, maxTarStreamBytes(limits), () => violation);
  if (violation) throw violation;
}

/** After extraction: every symlink resolves (really, through the file system) inside the plugin folder. */
async function checkSymlinksOnDisk(scan: BundleScan, root: string): Promise<void> {
  const pluginDir = await realpath(path.join(root, scan.top));
  for (const entry of scan.entries.values()) {
    if (entry.type !== "SymbolicLink") continue;
    const link = path.join(root, entry.path);
    if (!(await lstat(link)).isSymbolicLink())
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `bundle entry ${JSON.stringify(entry.path)}: expected a symlink after unpacking`,
      );
    let resolved: string;
    try {
      resolved = await realpath(link);
    } catch {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `bundle entry ${JSON.stringify(entry.path)}: symlink target ${JSON.stringify(await readlink(link))} does not exist in the bundle`,
      );
    }
    if (!isInside(pluginDir, resolved)) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `bundle entry ${JSON.stringify(entry.path)}: symlinks may not point outside the plugin folder ${scan.top}/ (through other links it resolves to ${resolved})`,
      );
    }
  }
}

/**
 * The manifest of a bundle (bytes), read by the streaming scan without unpacking anything:
 * what a client shows the operator before installing. Same errors as `readBundle`'s scan.
 */
export async function readBundleManifest(
  bytes: Uint8Array,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): Promise<Manifest> {
  const scan = await scanBundle(bytes, limits);
  return parseManifest(scan.manifest.text, `${scan.top}/${scan.manifest.name}`);
}

/**
 * Checks a plugin bundle and unpacks it into a fresh private temp folder. In order, before
 * anything is written: compressed size, signature (when given or required), then a streaming
 * scan of every entry header (count, unpacked size, paths, links, types, one top-level folder
 * named after the plugin id), the manifest (`parseManifest`) and the executables it names.
 * Only then is the bundle unpacked, into the temp folder, and its symlinks are re-checked on
 * disk. Throws PolyplugError `invalid_argument` (bad layout or manifest), `resource_exhausted`
 * (a limit), `permission_denied` (signature) or `not_found` (no such file); on error the temp
 * folder is already removed. Call `cleanup()` once the plugin is installed.
 */
export async function readBundle(source: string | Uint8Array, options: ReadBundleOptions = {}): Promise<ReadBundle> {
  const limits: BundleLimits = {
    maxBytes: options.maxBytes ?? DEFAULT_BUNDLE_LIMITS.maxBytes,
    maxUnpackedBytes: options.maxUnpackedBytes ?? DEFAULT_BUNDLE_LIMITS.maxUnpackedBytes,
    maxEntries: options.maxEntries ?? DEFAULT_BUNDLE_LIMITS.maxEntries,
  };
  const bytes = await loadBytes(source, limits.maxBytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const signature = checkBundleSignature(
    sha256,
    await loadSignature(source, options.signature),
    options.trustedKeys ?? [],
    options.requireSignature ?? false,
  );
  const scan = await scanBundle(bytes, limits);
  const manifestFile = `${scan.top}/${scan.manifest.name}`;
  const manifest = parseManifest(scan.manifest.text, manifestFile);
  if (manifest.id !== scan.top) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${manifestFile}: the plugin id ${JSON.stringify(manifest.id)} must match the bundle's top-level folder ${JSON.stringify(scan.top)}`,
    );
  }
  checkBundleExecutables(manifest, scan, manifestFile);

  const temp = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), "polyplug-bundle-"));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    await extract(bytes, scan, temp, limits);
    await checkSymlinksOnDisk(scan, temp);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { dir: path.join(temp, scan.top), manifest, sha256, signature, cleanup };
}
