import { createReadStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { Header, Pax } from "tar";

/** One entry to write into a tar archive. */
export interface TarEntrySpec {
  /** The path inside the archive, `/`-separated (written verbatim: callers check it). */
  readonly path: string;
  readonly type: "File" | "Directory" | "SymbolicLink" | "Link" | "CharacterDevice" | "FIFO";
  /** Permission bits (default 0o644 for files, 0o755 for folders). */
  readonly mode?: number;
  /** File contents: bytes, or a file on disk to stream (its size must be `size`). */
  readonly data?: Uint8Array | { readonly file: string; readonly size: number };
  /** Link target for symlinks and hard links. */
  readonly linkpath?: string;
  /** Size to declare in the header when it differs from `data` (tests build lying headers with it). */
  readonly declaredSize?: number;
}

/** Fixed modification time written into every entry so the same input gives the same bytes. */
export const BUNDLE_MTIME = new Date(Date.UTC(2000, 0, 1));

const BLOCK = 512;

function dataSize(spec: TarEntrySpec): number {
  if (!spec.data) return 0;
  return spec.data instanceof Uint8Array ? spec.data.byteLength : spec.data.size;
}

function headerBlocks(spec: TarEntrySpec): Buffer {
  const size = spec.declaredSize ?? dataSize(spec);
  const fields = {
    path: spec.type === "Directory" && !spec.path.endsWith("/") ? `${spec.path}/` : spec.path,
    mode: spec.mode ?? (spec.type === "Directory" ? 0o755 : 0o644),
    uid: 0,
    gid: 0,
    size,
    mtime: BUNDLE_MTIME,
    type: spec.type,
    ...(spec.linkpath !== undefined ? { linkpath: spec.linkpath } : {}),
  };
  const header = new Header(fields);
  const block = Buffer.alloc(BLOCK);
  // encode() answers true when a field does not fit the ustar header: a pax header carries it.
  const needPax = header.encode(block, 0);
  return needPax ? Buffer.concat([new Pax(fields).encode(), block]) : block;
}

async function* tarBlocks(entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>): AsyncGenerator<Buffer> {
  for await (const spec of entries) {
    yield headerBlocks(spec);
    const size = dataSize(spec);
    if (spec.data instanceof Uint8Array) yield Buffer.from(spec.data);
    else if (spec.data) for await (const chunk of createReadStream(spec.data.file)) yield chunk as Buffer;
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/**
 * Writes `entries` as a gzip-compressed tar to `outFile`, through a temporary file renamed
 * into place (so a failed write leaves no half file). The output depends only on the entries:
 * fixed mtime, uid/gid 0, no user names, gzip header without a timestamp.
 */
export async function writeTarGz(
  entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>,
  outFile: string,
): Promise<void> {
  const partial = `${outFile}.partial-${process.pid}`;
  const handle = await open(partial, "w", 0o644);
  try {
    await pipeline(Readable.from(tarBlocks(entries)), createGzip(), handle.createWriteStream());
    await rename(partial, outFile);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Builds a gzip-compressed tar in memory (for tests and small bundles). */
export async function tarGzBytes(entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const gzip = createGzip();
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  await pipeline(Readable.from(tarBlocks(entries)), gzip);
  return Buffer.concat(chunks);
}
