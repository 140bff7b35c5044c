// The admin token file: created once with mode 0600, refused when others may read it.
import { chmodSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bearerMatches, ensureAdminToken } from "../../src/admin/auth.js";
import { dataDir } from "../runtime/scripted-plugins.js";

describe("admin token", () => {
  it("is created on first start as 64 hex characters with mode 0600, then reused", async () => {
    const dir = dataDir();
    const first = await ensureAdminToken(dir);
    expect(first.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.file, "utf8").trim()).toBe(first.token);
    expect((await ensureAdminToken(dir)).token).toBe(first.token);
  });

  it("refuses to start when the file is readable by others, saying what to do", async () => {
    const dir = dataDir();
    const { file } = await ensureAdminToken(dir);
    chmodSync(file, 0o644);
    await expect(ensureAdminToken(dir)).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringMatching(/mode 0644.*chmod 600/),
    });
  });

  it("matches only the exact bearer token", () => {
    const token = "ab".repeat(32);
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(null, token)).toBe(false);
  });
});
