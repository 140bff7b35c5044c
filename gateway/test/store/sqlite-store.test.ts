import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/errors.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { bytes, tempDir, tempStore, text } from "./temp-store.js";

describe("sqlite store: KV basics", () => {
  it("gets what was set, distinguishes an empty value from an absent key, deletes", () => {
    const { store } = tempStore();
    expect(store.kvGet("p", "a")).toBeUndefined();
    expect(store.kvSet("p", "a", bytes("one"))).toEqual({ applied: true, current: undefined });
    expect(text(store.kvGet("p", "a")?.value)).toBe("one");
    store.kvSet("p", "empty", new Uint8Array());
    expect(store.kvGet("p", "empty")).toEqual({ value: expect.any(Uint8Array), expiresAt: undefined });
    expect(store.kvGet("p", "empty")?.value.byteLength).toBe(0);
    expect(store.kvDelete("p", "a")).toBe(true);
    expect(store.kvDelete("p", "a")).toBe(false);
    expect(store.kvGet("p", "a")).toBeUndefined();
  });

  it("keeps namespaces apart", () => {
    const { store } = tempStore();
    store.kvSet("alpha", "k", bytes("A"));
    store.kvSet("beta", "k", bytes("B"));
    expect(text(store.kvGet("alpha", "k")?.value)).toBe("A");
    expect(text(store.kvGet("beta", "k")?.value)).toBe("B");
    expect(store.kvList("alpha", "", 10, "").keys).toEqual(["k"]);
    expect(store.kvDelete("beta", "k")).toBe(true);
    expect(text(store.kvGet("alpha", "k")?.value)).toBe("A");
    expect(store.kvGet("gamma", "k")).toBeUndefined();
  });
});

describe("sqlite store: compare-and-set", () => {
  it("ifEquals writes only over exactly those bytes and reports the current value otherwise", () => {
    const { store } = tempStore();
    expect(store.kvSet("p", "k", bytes("x"), { ifEquals: bytes("") })).toEqual({ applied: false, current: undefined });
    store.kvSet("p", "k", bytes("v1"));
    const miss = store.kvSet("p", "k", bytes("v2"), { ifEquals: bytes("v0") });
    expect(miss.applied).toBe(false);
    expect(text(miss.current?.value)).toBe("v1");
    expect(store.kvSet("p", "k", bytes("v2"), { ifEquals: bytes("v1") }).applied).toBe(true);
    expect(text(store.kvGet("p", "k")?.value)).toBe("v2");
    store.kvSet("p", "e", new Uint8Array());
    expect(store.kvSet("p", "e", bytes("z"), { ifEquals: new Uint8Array() }).applied).toBe(true);
  });

  it("ifAbsent writes only when the key does not exist", () => {
    const { store } = tempStore();
    expect(store.kvSet("p", "k", bytes("first"), { ifAbsent: true }).applied).toBe(true);
    const second = store.kvSet("p", "k", bytes("second"), { ifAbsent: true });
    expect(second.applied).toBe(false);
    expect(text(second.current?.value)).toBe("first");
  });

  it("conditional delete removes only a matching value", () => {
    const { store } = tempStore();
    store.kvSet("p", "k", bytes("v"));
    expect(store.kvDelete("p", "k", bytes("other"))).toBe(false);
    expect(store.kvDelete("p", "k", bytes("v"))).toBe(true);
  });

  it("many concurrent read-CAS-retry increments lose no update", async () => {
    const { store } = tempStore();
    const increment = async () => {
      for (;;) {
        const current = store.kvGet("p", "counter");
        await new Promise((resolve) => setImmediate(resolve)); // let the others interleave
        const next = bytes(String(Number(text(current?.value) ?? "0") + 1));
        const result = store.kvSet("p", "counter", next, current ? { ifEquals: current.value } : { ifAbsent: true });
        if (result.applied) return;
      }
    };
    await Promise.all(Array.from({ length: 200 }, increment));
    expect(text(store.kvGet("p", "counter")?.value)).toBe("200");
  });
});

describe("sqlite store: expiry", () => {
  it("hides expired entries from get, conditions, delete and list; sweeps them", () => {
    let now = 1_000_000;
    const { store, file } = tempStore({ now: () => now });
    store.kvSet("p", "short", bytes("s"), { ttlMs: 100 });
    store.kvSet("p", "long", bytes("l"), { ttlMs: 10_000 });
    store.kvSet("p", "forever", bytes("f"));
    expect(store.kvGet("p", "short")?.expiresAt).toBe(1_000_100);
    const raw = new Database(file, { readonly: true });
    const rows = () => raw.prepare("SELECT count(*) FROM kv").pluck().get();
    now += 100;
    expect(store.kvList("p", "", 10, "").keys).toEqual(["forever", "long"]);
    expect(rows()).toBe(3); // listing hides, but does not purge
    expect(store.kvGet("p", "short")).toBeUndefined();
    expect(rows()).toBe(2); // get purged it lazily
    expect(store.kvDelete("p", "short")).toBe(false);
    expect(store.kvSet("p", "short", bytes("x"), { ifEquals: bytes("s") }).applied).toBe(false);
    expect(store.kvSet("p", "short", bytes("again"), { ifAbsent: true }).applied).toBe(true);
    now += 10_000; // "long" expires, nothing touches it
    expect(rows()).toBe(3);
    expect(store.sweepExpired()).toBe(1);
    expect(rows()).toBe(2);
    expect(store.kvList("p", "", 10, "").keys).toEqual(["forever", "short"]);
    raw.close();
  });

  it("a write without ttl removes an earlier expiry", () => {
    let now = 0;
    const { store } = tempStore({ now: () => now });
    store.kvSet("p", "k", bytes("a"), { ttlMs: 50 });
    store.kvSet("p", "k", bytes("b"));
    now = 1000;
    expect(store.kvGet("p", "k")).toEqual({ value: expect.anything(), expiresAt: undefined });
  });

  it("the periodic sweeper deletes expired entries on its own", async () => {
    const { store } = tempStore();
    for (let i = 0; i < 2500; i++) store.kvSet("p", `k${i}`, bytes("v"), { ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    store.startSweeper(10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    store.stopSweeper();
    expect(store.sweepExpired()).toBe(0);
  });
});

describe("sqlite store: files", () => {
  it("keeps data and plugin state across close and reopen", () => {
    const { store, reopen } = tempStore();
    store.kvSet("p", "k", bytes("persisted"));
    store.setPluginEnabled("p", false);
    store.savePluginConfig("p", { greeting: "hi", nested: { n: 1 } });
    expect(store.getPluginRecord("q")).toEqual({ pluginId: "q", enabled: undefined, config: undefined });
    store.close();
    const again = reopen();
    expect(text(again.kvGet("p", "k")?.value)).toBe("persisted");
    expect(again.getPluginRecord("p")).toEqual({ pluginId: "p", enabled: false, config: { greeting: "hi", nested: { n: 1 } } });
    again.setPluginEnabled("p", true);
    expect(again.getPluginRecord("p").config).toEqual({ greeting: "hi", nested: { n: 1 } });
    expect(again.getPluginRecord("p").enabled).toBe(true);
  });

  it("uses WAL journaling and records the schema version", () => {
    const { store, file } = tempStore();
    store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.prepare("SELECT version FROM schema_version").pluck().get()).toBe(1);
    raw.close();
  });

  it("supports :memory:", () => {
    const store = openSqliteStore(":memory:", { sweepIntervalMs: 0 });
    store.kvSet("p", "k", bytes("v"));
    expect(text(store.kvGet("p", "k")?.value)).toBe("v");
    store.close();
  });

  const openFailure = (file: string): PolyplugError => {
    try {
      openSqliteStore(file).close();
    } catch (error) {
      expect(error).toBeInstanceOf(PolyplugError);
      return error as PolyplugError;
    }
    throw new Error(`opening ${file} unexpectedly worked`);
  };

  it("names the path when the directory cannot hold the file", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "not-a-dir"), "");
    const file = path.join(dir, "not-a-dir", "gateway.db");
    const error = openFailure(file);
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain(file);
    const asDir = openFailure(dir); // a directory, not a file
    expect(asDir.message).toContain(dir);
  });

  it("names the path of a corrupt file", () => {
    const file = path.join(tempDir(), "corrupt.db");
    writeFileSync(file, Buffer.alloc(8192, "this is not sqlite "));
    const error = openFailure(file);
    expect(error.code).toBe("failed_precondition");
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a SQLite database or is corrupt/);
  });

  it("refuses a store written by a newer schema", () => {
    const { store, file } = tempStore();
    store.close();
    const raw = new Database(file);
    raw.prepare("UPDATE schema_version SET version = 99").run();
    raw.close();
    const error = openFailure(file);
    expect(error.code).toBe("failed_precondition");
    expect(error.message).toContain("schema version 99");
  });
});
