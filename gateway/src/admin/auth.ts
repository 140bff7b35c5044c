import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";

/** Name of the admin token file inside the data folder. */
export const ADMIN_TOKEN_FILE = "admin-token";

/** The admin token and the file it lives in. */
export interface AdminToken {
  readonly token: string;
  readonly file: string;
}

const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Reads `<dataDir>/admin-token`, creating it on first start: 32 random bytes as 64 hex
 * characters, file mode 0600. Refuses (failed_precondition) a file that group or others
 * may read or write, and a file that does not hold a token, saying what to do.
 */
export async function ensureAdminToken(dataDir: string): Promise<AdminToken> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    await writeFile(file, `${randomBytes(32).toString("hex")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `cannot create the admin token file ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new PolyplugError(
      ErrorCode.FailedPrecondition,
      `the admin token file ${file} has mode ${mode.toString(8).padStart(4, "0")}, so other users may read it; run \`chmod 600 ${file}\` (or delete it to get a new token) and start again`,
    );
  }
  const token = (await readFile(file, "utf8")).trim();
  if (!TOKEN_PATTERN.test(token)) {
    throw new PolyplugError(
      ErrorCode.FailedPrecondition,
      `the admin token file ${file} does not hold a token (64 hex characters); delete it to get a new one`,
    );
  }
  return { token, file };
}

/** True when `header` is `Bearer <token>` with exactly this token (constant-time comparison). */
export function bearerMatches(header: string | null, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1] ?? "");
  const expected = Buffer.from(token);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time flat.
  return (
    timingSafeEqual(given.length === expected.length ? given : expected, expected) && given.length === expected.length
  );
}
