import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from "../../src/store/sqlite-store.js";

/** A fresh temp directory, removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-store-"));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a real file in a fresh temp directory, closed after the current test. */
export function tempStore(options: SqliteStoreOptions = {}): {
  store: SqliteStore;
  file: string;
  reopen(): SqliteStore;
} {
  const file = path.join(tempDir(), "gateway.db");
  const opened: SqliteStore[] = [];
  const open = () => {
    const store = openSqliteStore(file, { sweepIntervalMs: 0, ...options });
    opened.push(store);
    return store;
  };
  afterEach(() => {
    for (const store of opened) store.close();
  });
  return { store: open(), file, reopen: open };
}

/** UTF-8 bytes of `text`. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** `bytes` as text. */
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);
