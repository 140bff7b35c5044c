import pg from "pg";
import { describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/errors.js";
import { latestPgSchemaVersion } from "../../src/store/pg-migrations.js";
import { openPostgresStore } from "../../src/store/pg-store.js";
import { openGatewayStore } from "../../src/store/open-store.js";
import { postgresSkipReason, usePostgres } from "./postgres-fixture.js";

const postgres = usePostgres();

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function failure(promise: Promise<unknown>): Promise<PolyplugError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PolyplugError);
  return error as PolyplugError;
}

describe.skipIf(postgresSkipReason !== undefined)(
  `postgres store: migrations and connection${postgresSkipReason ? ` (SKIPPED: ${postgresSkipReason})` : ""}`,
  () => {
    it("eight gateways opening a fresh database at once migrate it exactly once (advisory lock)", async () => {
      const url = await postgres.freshDatabase();
      const stores = await Promise.all(
        Array.from({ length: 8 }, () => openPostgresStore(url, { sweepIntervalMs: 0, maxConnections: 2 })),
      );
      try {
        expect(await query(url, "SELECT version FROM schema_version")).toEqual([{ version: latestPgSchemaVersion }]);
        await stores[0]?.kvSet("p", "k", new Uint8Array([1]));
        expect((await stores[7]?.kvGet("p", "k"))?.value).toEqual(Buffer.from([1]));
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it("refuses a database written by a newer schema", async () => {
      const url = await postgres.freshDatabase();
      await (await openPostgresStore(url, { sweepIntervalMs: 0 })).close();
      await query(url, "UPDATE schema_version SET version = 99");
      const error = await failure(openPostgresStore(url, { sweepIntervalMs: 0 }));
      expect(error.code).toBe("failed_precondition");
      expect(error.message).toContain("schema version 99");
    });

    it("names the database (password redacted) when the server cannot be reached", async () => {
      const error = await failure(
        openPostgresStore("postgres://polyplug:s3cret@127.0.0.1:1/nowhere", { connectTimeoutMs: 2000 }),
      );
      expect(error.code).toBe("unavailable");
      expect(error.message).toContain("postgres://polyplug:***@127.0.0.1:1/nowhere");
      expect(error.message).not.toContain("s3cret");
    });

    it("says so when the database does not exist", async () => {
      const error = await failure(openPostgresStore(postgres.url().replace(/\/postgres$/, "/missing_db")));
      expect(error.code).toBe("failed_precondition");
      expect(error.message).toMatch(/missing_db.*does not exist/);
    });

    it("turns operations on a closed store into unavailable errors", async () => {
      const store = await openPostgresStore(await postgres.freshDatabase(), { sweepIntervalMs: 0 });
      await store.close();
      expect((await failure(store.kvGet("p", "k"))).code).toBe("unavailable");
    });

    it("openGatewayStore picks PostgreSQL for a postgres:// URL and refuses other schemes", async () => {
      const store = await openGatewayStore({
        database: await postgres.freshDatabase(),
        sqlitePath: "/nonexistent/never-used.db",
      });
      expect(store.kind).toBe("postgres");
      await store.close();
      const error = await failure(openGatewayStore({ database: "mysql://u:pw@host/db", sqlitePath: "/x.db" }));
      expect(error.code).toBe("invalid_argument");
      expect(error.message).not.toContain("pw@");
    });
  },
);
