import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { onTestFinished } from "vitest";
import { openPostgresStore } from "../../src/store/pg-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { GatewayStore } from "../../src/store/store.js";
import { postgresSkipReason, usePostgres } from "./postgres-fixture.js";
import { tempDir } from "./temp-store.js";

/** A store under test, with the backend-specific things the shared suite checks. */
export interface TestStore extends GatewayStore {
  sweepExpired(): number | Promise<number>;
  startSweeper(intervalMs: number): void;
  stopSweeper(): void;
}

/** One opened store of a backend: the store, a way to open the same data again, and its raw row count. */
export interface OpenedTestStore {
  readonly store: TestStore;
  reopen(): Promise<TestStore>;
  /** Rows in the kv table, expired or not (what the sweep and lazy purge remove). */
  kvRows(): Promise<number>;
}

/** A backend the shared store suite runs against. */
export interface StoreBackend {
  readonly name: "sqlite" | "postgres";
  /** Set when the backend cannot run here (the suite's name says why). */
  readonly skip: string | undefined;
  /** A fresh, empty store, closed after the current test. */
  open(options?: { now?: () => number }): Promise<OpenedTestStore>;
}

/** Both backends. Call at the top of a test file: the PostgreSQL one starts a throwaway server for the file. */
export function storeBackends(): StoreBackend[] {
  const postgres = usePostgres();
  const sqlite: StoreBackend = {
    name: "sqlite",
    skip: undefined,
    async open(options = {}) {
      const file = path.join(tempDir(), "gateway.db");
      const opened: TestStore[] = [];
      const open = async () => {
        const store = openSqliteStore(file, { sweepIntervalMs: 0, ...options });
        opened.push(store);
        return store;
      };
      onTestFinished(async () => {
        for (const store of opened) await store.close();
      });
      const raw = () => {
        const db = new Database(file, { readonly: true });
        try {
          return db.prepare("SELECT count(*) FROM kv").pluck().get() as number;
        } finally {
          db.close();
        }
      };
      return { store: await open(), reopen: open, kvRows: async () => raw() };
    },
  };
  const pgBackend: StoreBackend = {
    name: "postgres",
    skip: postgresSkipReason,
    async open(options = {}) {
      const url = await postgres.freshDatabase();
      const opened: TestStore[] = [];
      const open = async () => {
        const store = await openPostgresStore(url, { sweepIntervalMs: 0, ...options });
        opened.push(store);
        return store;
      };
      onTestFinished(async () => {
        for (const store of opened) await store.close();
      });
      const kvRows = async () => {
        const client = new pg.Client(url);
        await client.connect();
        try {
          return Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM kv")).rows[0]?.n);
        } finally {
          await client.end();
        }
      };
      return { store: await open(), reopen: open, kvRows };
    },
  };
  return [sqlite, pgBackend];
}

/** The describe title of a backend's suite: says why it is skipped, never silently. */
export const backendTitle = (backend: StoreBackend, what: string): string =>
  `${backend.name} store: ${what}${backend.skip ? ` (SKIPPED: ${backend.skip})` : ""}`;
