import type { JsonObject } from "@bufbuild/protobuf";
import type { GatewayApiBackend, KvCondition, LoggedRecord, PublishedEvent } from "./gateway-api-backend.js";

interface Entry {
  value: Uint8Array;
  expiresAtMs: number | undefined;
}

/** The in-memory backend, with its stores open to the checks. */
export interface MemoryBackend extends GatewayApiBackend {
  /** namespace → key → entry (expired entries may still be here). */
  readonly kv: Map<string, Map<string, Entry>>;
  readonly logs: Map<string, LoggedRecord[]>;
  readonly events: Map<string, PublishedEvent[]>;
  readonly configs: Map<string, JsonObject>;
  /** Writes directly, as an operator or another gateway would. */
  seed(namespace: string, key: string, value: string): void;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Creates an empty in-memory GatewayAPI backend (KV with TTL and paging, logs, events, config). */
export function createMemoryBackend(now: () => number = Date.now): MemoryBackend {
  const kv = new Map<string, Map<string, Entry>>();
  const logs = new Map<string, LoggedRecord[]>();
  const events = new Map<string, PublishedEvent[]>();
  const configs = new Map<string, JsonObject>();
  const space = (namespace: string) => {
    let map = kv.get(namespace);
    if (!map) {
      map = new Map();
      kv.set(namespace, map);
    }
    return map;
  };
  const live = (namespace: string, key: string): Entry | undefined => {
    const entry = space(namespace).get(key);
    if (entry && entry.expiresAtMs !== undefined && entry.expiresAtMs <= now()) {
      space(namespace).delete(key);
      return undefined;
    }
    return entry;
  };
  const tokenFor = (prefix: string, after: string) =>
    Buffer.from(JSON.stringify({ prefix, after }), "utf8").toString("base64url");
  return {
    kv,
    logs,
    events,
    configs,
    seed(namespace, key, value) {
      space(namespace).set(key, { value: Buffer.from(value, "utf8"), expiresAtMs: undefined });
    },
    async kvGet(namespace, key) {
      const entry = live(namespace, key);
      return entry
        ? { found: true, value: entry.value, expiresAtMs: entry.expiresAtMs }
        : { found: false, value: new Uint8Array(), expiresAtMs: undefined };
    },
    async kvSet(namespace, key, value, condition: KvCondition, ttlMs) {
      const entry = live(namespace, key);
      const holds =
        condition.kind === "none" ||
        (condition.kind === "ifAbsent"
          ? entry === undefined
          : entry !== undefined && equalBytes(entry.value, condition.value));
      if (!holds)
        return { applied: false, currentValue: entry?.value ?? new Uint8Array(), currentFound: entry !== undefined };
      space(namespace).set(key, { value: Uint8Array.from(value), expiresAtMs: ttlMs > 0 ? now() + ttlMs : undefined });
      return { applied: true, currentValue: new Uint8Array(), currentFound: false };
    },
    async kvDelete(namespace, key, ifEquals) {
      const entry = live(namespace, key);
      if (!entry || (ifEquals !== undefined && !equalBytes(entry.value, ifEquals))) return false;
      return space(namespace).delete(key);
    },
    async kvList(namespace, prefix, pageSize, pageToken) {
      let after: string | undefined;
      if (pageToken !== "") {
        let decoded: { prefix?: unknown; after?: unknown } = {};
        try {
          decoded = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8")) as typeof decoded;
        } catch {
          // reported below
        }
        if (decoded.prefix !== prefix || typeof decoded.after !== "string")
          throw Object.assign(
            new Error(
              `page_token ${JSON.stringify(pageToken)} was not produced by a listing of prefix ${JSON.stringify(prefix)}`,
            ),
            { name: "InvalidPageToken" },
          );
        after = decoded.after;
      }
      const keys = [...space(namespace).keys()]
        .filter(
          (key) =>
            key.startsWith(prefix) &&
            live(namespace, key) !== undefined &&
            (after === undefined || compareBytes(key, after) > 0),
        )
        .sort(compareBytes);
      const page = keys.slice(0, pageSize);
      const last = page[page.length - 1];
      return { keys: page, nextPageToken: keys.length > pageSize && last !== undefined ? tokenFor(prefix, last) : "" };
    },
    async log(namespace, record) {
      logs.set(namespace, [...(logs.get(namespace) ?? []), record]);
    },
    async publish(namespace, event) {
      events.set(namespace, [...(events.get(namespace) ?? []), event]);
    },
    async getConfig(namespace) {
      return configs.get(namespace) ?? {};
    },
    async saveConfig(namespace, configuration) {
      configs.set(namespace, configuration);
    },
  };
}
