import { describe, expect, it } from "vitest";
import { backendTitle, storeBackends } from "./store-backends.js";
import { bytes, text } from "./temp-store.js";

// The one store suite: every backend keeps the same KV, plugin state, bundle and trusted-key semantics.
for (const backend of storeBackends()) {
  const open = backend.open;
  describe.skipIf(backend.skip !== undefined)(backendTitle(backend, "KV"), () => {
    it("gets what was set, distinguishes an empty value from an absent key, deletes", async () => {
      const { store } = await open();
      expect(await store.kvGet("p", "a")).toBeUndefined();
      expect(await store.kvSet("p", "a", bytes("one"))).toEqual({ applied: true, current: undefined });
      expect(text((await store.kvGet("p", "a"))?.value)).toBe("one");
      await store.kvSet("p", "empty", new Uint8Array());
      expect(await store.kvGet("p", "empty")).toEqual({ value: expect.any(Uint8Array), expiresAt: undefined });
      expect((await store.kvGet("p", "empty"))?.value.byteLength).toBe(0);
      expect(await store.kvDelete("p", "a")).toBe(true);
      expect(await store.kvDelete("p", "a")).toBe(false);
      expect(await store.kvGet("p", "a")).toBeUndefined();
    });

    it("keeps namespaces apart", async () => {
      const { store } = await open();
      await store.kvSet("alpha", "k", bytes("A"));
      await store.kvSet("beta", "k", bytes("B"));
      expect(text((await store.kvGet("alpha", "k"))?.value)).toBe("A");
      expect(text((await store.kvGet("beta", "k"))?.value)).toBe("B");
      expect((await store.kvList("alpha", "", 10, "")).keys).toEqual(["k"]);
      expect(await store.kvDelete("beta", "k")).toBe(true);
      expect(text((await store.kvGet("alpha", "k"))?.value)).toBe("A");
      expect(await store.kvGet("gamma", "k")).toBeUndefined();
    });

    it("stores a 1 MiB value and arbitrary bytes exactly", async () => {
      const { store } = await open();
      const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 256);
      await store.kvSet("p", "big", big);
      expect(Buffer.compare((await store.kvGet("p", "big"))?.value ?? new Uint8Array(), big)).toBe(0);
    });
  });

  describe.skipIf(backend.skip !== undefined)(backendTitle(backend, "compare-and-set"), () => {
    it("ifEquals writes only over exactly those bytes and reports the current value otherwise", async () => {
      const { store } = await open();
      expect(await store.kvSet("p", "k", bytes("x"), { ifEquals: bytes("") })).toEqual({
        applied: false,
        current: undefined,
      });
      await store.kvSet("p", "k", bytes("v1"));
      const miss = await store.kvSet("p", "k", bytes("v2"), { ifEquals: bytes("v0") });
      expect(miss.applied).toBe(false);
      expect(text(miss.current?.value)).toBe("v1");
      expect((await store.kvSet("p", "k", bytes("v2"), { ifEquals: bytes("v1") })).applied).toBe(true);
      expect(text((await store.kvGet("p", "k"))?.value)).toBe("v2");
      await store.kvSet("p", "e", new Uint8Array());
      expect((await store.kvSet("p", "e", bytes("z"), { ifEquals: new Uint8Array() })).applied).toBe(true);
    });

    it("ifAbsent writes only when the key does not exist", async () => {
      const { store } = await open();
      expect((await store.kvSet("p", "k", bytes("first"), { ifAbsent: true })).applied).toBe(true);
      const second = await store.kvSet("p", "k", bytes("second"), { ifAbsent: true });
      expect(second.applied).toBe(false);
      expect(text(second.current?.value)).toBe("first");
    });

    it("conditional delete removes only a matching value", async () => {
      const { store } = await open();
      await store.kvSet("p", "k", bytes("v"));
      expect(await store.kvDelete("p", "k", bytes("other"))).toBe(false);
      expect(await store.kvDelete("p", "k", bytes("v"))).toBe(true);
    });

    it("many concurrent read-CAS-retry increments lose no update", async () => {
      const { store } = await open();
      const increment = async () => {
        for (;;) {
          const current = await store.kvGet("p", "counter");
          await new Promise((resolve) => setImmediate(resolve)); // let the others interleave
          const next = bytes(String(Number(text(current?.value) ?? "0") + 1));
          const result = await store.kvSet(
            "p",
            "counter",
            next,
            current ? { ifEquals: current.value } : { ifAbsent: true },
          );
          if (result.applied) return;
        }
      };
      await Promise.all(Array.from({ length: 100 }, increment));
      expect(text((await store.kvGet("p", "counter"))?.value)).toBe("100");
    });

    it("concurrent insert-if-absent: exactly one wins", async () => {
      const { store } = await open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.kvSet("p", "lock", bytes(`owner-${i}`), { ifAbsent: true })),
      );
      expect(results.filter((result) => result.applied)).toHaveLength(1);
      const winner = text((await store.kvGet("p", "lock"))?.value);
      for (const result of results) if (!result.applied) expect(text(result.current?.value)).toBe(winner);
    });
  });

  describe.skipIf(backend.skip !== undefined)(backendTitle(backend, "expiry"), () => {
    it("hides expired entries from get, conditions, delete and list; sweeps them", async () => {
      let now = 1_000_000;
      const { store, kvRows } = await open({ now: () => now });
      await store.kvSet("p", "short", bytes("s"), { ttlMs: 100 });
      await store.kvSet("p", "long", bytes("l"), { ttlMs: 10_000 });
      await store.kvSet("p", "forever", bytes("f"));
      expect((await store.kvGet("p", "short"))?.expiresAt).toBe(1_000_100);
      now += 100;
      expect((await store.kvList("p", "", 10, "")).keys).toEqual(["forever", "long"]);
      expect(await kvRows()).toBe(3); // listing hides, but does not purge
      expect(await store.kvGet("p", "short")).toBeUndefined();
      expect(await kvRows()).toBe(2); // get purged it lazily
      expect(await store.kvDelete("p", "short")).toBe(false);
      expect((await store.kvSet("p", "short", bytes("x"), { ifEquals: bytes("s") })).applied).toBe(false);
      expect((await store.kvSet("p", "short", bytes("again"), { ifAbsent: true })).applied).toBe(true);
      now += 10_000; // "long" expires, nothing touches it
      expect(await kvRows()).toBe(3);
      expect(await store.sweepExpired()).toBe(1);
      expect(await kvRows()).toBe(2);
      expect((await store.kvList("p", "", 10, "")).keys).toEqual(["forever", "short"]);
    });

    it("insert-if-absent takes over an expired entry that was never purged", async () => {
      let now = 0;
      const { store } = await open({ now: () => now });
      await store.kvSet("p", "k", bytes("old"), { ttlMs: 10 });
      now = 20;
      expect(await store.kvSet("p", "k", bytes("new"), { ifAbsent: true })).toEqual({
        applied: true,
        current: undefined,
      });
      expect(await store.kvGet("p", "k")).toEqual({ value: expect.anything(), expiresAt: undefined });
    });

    it("a write without ttl removes an earlier expiry", async () => {
      let now = 0;
      const { store } = await open({ now: () => now });
      await store.kvSet("p", "k", bytes("a"), { ttlMs: 50 });
      await store.kvSet("p", "k", bytes("b"));
      now = 1000;
      expect(await store.kvGet("p", "k")).toEqual({ value: expect.anything(), expiresAt: undefined });
    });

    it("the periodic sweeper deletes expired entries on its own", async () => {
      const { store, kvRows } = await open();
      for (let i = 0; i < 300; i++) await store.kvSet("p", `k${i}`, bytes("v"), { ttlMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      store.startSweeper(10);
      await expect.poll(kvRows, { timeout: 10_000 }).toBe(0);
      store.stopSweeper();
    });
  });

  describe.skipIf(backend.skip !== undefined)(backendTitle(backend, "plugin state, bundles and trusted keys"), () => {
    it("keeps data and plugin state across close and reopen", async () => {
      const { store, reopen } = await open();
      await store.kvSet("p", "k", bytes("persisted"));
      await store.setPluginEnabled("p", false);
      await store.savePluginConfig("p", { greeting: "hi", nested: { n: 1 } });
      await store.setInstalledVersion("p", "1.2.3");
      expect(await store.getPluginRecord("q")).toEqual({
        pluginId: "q",
        enabled: undefined,
        config: undefined,
        installedVersion: undefined,
      });
      await store.close();
      const again = await reopen();
      expect(text((await again.kvGet("p", "k"))?.value)).toBe("persisted");
      expect(await again.getPluginRecord("p")).toEqual({
        pluginId: "p",
        enabled: false,
        config: { greeting: "hi", nested: { n: 1 } },
        installedVersion: "1.2.3",
      });
      await again.setPluginEnabled("p", true);
      await again.setInstalledVersion("p", undefined);
      expect(await again.getPluginRecord("p")).toEqual({
        pluginId: "p",
        enabled: true,
        config: { greeting: "hi", nested: { n: 1 } },
        installedVersion: undefined,
      });
      await again.setPluginEnabled("a", true);
      expect((await again.listPluginRecords()).map((record) => record.pluginId)).toEqual(["a", "p"]);
    });

    it("stores bundles per (plugin, version): fetch, list, replace, delete", async () => {
      const { store } = await open();
      const bundle = (version: string, content: string, storedAt: number) => ({
        pluginId: "p",
        version,
        sha256: `sha-${content}`,
        bytes: bytes(content),
        signature: undefined,
        storedAt,
      });
      await store.putBundle(bundle("1.0.0", "one", 1));
      await store.putBundle({ ...bundle("2.0.0", "two", 2), signature: bytes("sig") });
      expect(await store.getBundle("p", "3.0.0")).toBeUndefined();
      const two = await store.getBundle("p", "2.0.0");
      expect(text(two?.bytes)).toBe("two");
      expect(text(two?.signature)).toBe("sig");
      expect(two).toMatchObject({ pluginId: "p", version: "2.0.0", sha256: "sha-two", storedAt: 2 });
      await store.putBundle(bundle("1.0.0", "one again", 3));
      expect(text((await store.getBundle("p", "1.0.0"))?.bytes)).toBe("one again");
      expect((await store.listBundles("p")).map((b) => b.version)).toEqual(["2.0.0", "1.0.0"]);
      expect(await store.deleteBundles("p")).toBe(2);
      expect(await store.listBundles("p")).toEqual([]);
    });

    it("stores trusted keys by key id", async () => {
      const { store } = await open();
      await store.putTrustedKey({ keyId: "b", name: "second.pem", pem: "PEM-B" });
      await store.putTrustedKey({ keyId: "a", name: "first.pem", pem: "PEM-A" });
      await store.putTrustedKey({ keyId: "a", name: "renamed.pem", pem: "PEM-A" });
      expect(await store.listTrustedKeys()).toEqual([
        { keyId: "a", name: "renamed.pem", pem: "PEM-A" },
        { keyId: "b", name: "second.pem", pem: "PEM-B" },
      ]);
      expect(await store.deleteTrustedKey("a")).toBe(true);
      expect(await store.deleteTrustedKey("a")).toBe(false);
    });
  });
}
