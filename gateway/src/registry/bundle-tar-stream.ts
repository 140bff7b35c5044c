import { createGunzip } from "node:zlib";
import type { Parser } from "tar";
import { ErrorCode, PolyplugError } from "../errors.js";
import { formatBytes } from "./bundle-limits.js";

/**
 * Gunzips `compressed` and feeds the tar stream into `parser` (a tar Parser or Unpack),
 * counting decompressed bytes: past `maxTarBytes` the stream is stopped with
 * `resource_exhausted`. Refuses data that is not gzip, or whose content is compressed again
 * (the parser would otherwise decompress it a second time, uncounted). Resolves when the
 * parser has finished (every entry handled) and rejects on any parser error, or as soon as
 * `violation()` (asked after each chunk) reports a broken rule.
 */
export function feedTarGz(
  compressed: Uint8Array,
  parser: Parser,
  maxTarBytes: number,
  violation: () => PolyplugError | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      reject(error);
    };
    const gunzip = createGunzip();
    let total = 0;
    let sniffed = false;
    gunzip.on("data", (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxTarBytes) {
        fail(
          new PolyplugError(
            ErrorCode.ResourceExhausted,
            `bundle unpacks to more than ${formatBytes(maxTarBytes)} of tar data (a limit against compression bombs)`,
          ),
        );
        return;
      }
      if (!sniffed) {
        sniffed = true;
        if ((chunk[0] === 0x1f && chunk[1] === 0x8b) || (chunk[0] === 0x28 && chunk[1] === 0xb5)) {
          fail(
            new PolyplugError(
              ErrorCode.InvalidArgument,
              "bundle is compressed twice: a bundle is a gzip-compressed tar",
            ),
          );
          return;
        }
      }
      const writable = parser.write(chunk);
      const broken = violation();
      if (broken) {
        fail(broken);
        return;
      }
      if (!writable) {
        gunzip.pause();
        parser.once("drain", () => gunzip.resume());
      }
    });
    gunzip.on("end", () => {
      if (!settled) parser.end();
    });
    gunzip.on("error", (cause: Error) =>
      fail(new PolyplugError(ErrorCode.InvalidArgument, `bundle is not a valid .tar.gz: ${cause.message}`, { cause })),
    );
    parser.on("error", (cause: unknown) =>
      fail(
        cause instanceof PolyplugError
          ? cause
          : new PolyplugError(
              ErrorCode.InvalidArgument,
              `bundle is not a valid tar archive: ${(cause as Error).message}`,
              { cause },
            ),
      ),
    );
    parser.on("end", () => {
      if (settled) return;
      const broken = violation();
      if (broken) {
        fail(broken);
        return;
      }
      settled = true;
      resolve();
    });
    gunzip.end(compressed);
  });
}
