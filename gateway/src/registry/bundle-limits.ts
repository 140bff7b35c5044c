/** Size and count limits applied to a bundle before and while it is unpacked. */
export interface BundleLimits {
  /** Largest compressed bundle accepted, in bytes (default 50 MiB). */
  readonly maxBytes: number;
  /** Largest total of unpacked file sizes, in bytes (default 500 MiB). */
  readonly maxUnpackedBytes: number;
  /** Most entries (files, folders, links) a bundle may hold (default 10 000). */
  readonly maxEntries: number;
}

const MiB = 1024 * 1024;

/** The default bundle limits. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxBytes: 50 * MiB,
  maxUnpackedBytes: 500 * MiB,
  maxEntries: 10_000,
};

/** Largest manifest file read from a bundle, in bytes. */
export const MAX_MANIFEST_BYTES = 1 * MiB;

/** Formats a byte count for messages (e.g. `50 MiB`, `1536 bytes`). */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/**
 * Upper bound of the decompressed tar stream: the file data plus, per entry, a header, a
 * pax header and padding, plus the end blocks. Anything longer is refused while it streams,
 * which stops gzip bombs made of padding or junk after the archive end.
 */
export function maxTarStreamBytes(limits: BundleLimits): number {
  return limits.maxUnpackedBytes + (limits.maxEntries + 2) * 4096;
}
