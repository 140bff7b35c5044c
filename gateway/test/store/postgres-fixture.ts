import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { postgresUnavailableReason, startThrowawayPostgres, type ThrowawayPostgres } from "../../../.ci/postgres.mjs";

/** Why PostgreSQL tests are skipped here (shown in the suite name), or undefined when they run. */
export const postgresSkipReason = postgresUnavailableReason();

/** A throwaway PostgreSQL server for the current test file (started once before its tests, stopped after). */
export interface PostgresFixture {
  /** The server's `postgres` database URL. */
  readonly url: () => string;
  /** Creates an empty database and returns its URL. */
  freshDatabase(): Promise<string>;
}

/** Registers beforeAll/afterAll hooks starting and stopping a throwaway server (no-op when skipped). */
export function usePostgres(): PostgresFixture {
  let server: ThrowawayPostgres | undefined;
  beforeAll(async () => {
    if (!postgresSkipReason) server = await startThrowawayPostgres();
  }, 120_000);
  afterAll(async () => server?.stop());
  const url = () => {
    if (!server) throw new Error("PostgreSQL is not running");
    return server.url;
  };
  return {
    url,
    async freshDatabase() {
      const name = `t_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client(url());
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url().replace(/\/postgres$/, `/${name}`);
    },
  };
}
