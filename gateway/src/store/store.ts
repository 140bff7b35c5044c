import type { JsonObject } from "@bufbuild/protobuf";

/** One stored KV entry. */
export interface KvEntry {
  readonly value: Uint8Array;
  /** Epoch milliseconds after which the entry no longer exists; undefined = never. */
  readonly expiresAt: number | undefined;
}

/** Conditions and expiry of a KV write. */
export interface KvSetOptions {
  /** Write only if the current value equals these bytes (compare-and-set). */
  readonly ifEquals?: Uint8Array;
  /** Write only if the key does not exist (insert-if-absent). */
  readonly ifAbsent?: boolean;
  /** Expire this many milliseconds after the write; undefined = never. */
  readonly ttlMs?: number;
}

/** Result of a conditional write: when not applied, what is there now. */
export interface KvSetResult {
  readonly applied: boolean;
  readonly current: KvEntry | undefined;
}

/** One page of keys. */
export interface KvPage {
  readonly keys: string[];
  /** Opaque; empty when this is the last page. */
  readonly nextPageToken: string;
}

/**
 * Key-value storage, namespaced per plugin. The namespace is always supplied by the
 * gateway from the connection a call came in on, never by the plugin. A write that
 * returned has been committed (it survives a kill -9 of the gateway). Expired entries
 * are invisible to every operation.
 */
export interface KvStore {
  kvGet(namespace: string, key: string): KvEntry | undefined;
  kvSet(namespace: string, key: string, value: Uint8Array, options?: KvSetOptions): KvSetResult;
  /** Deletes (only if the value equals `ifEquals`, when given); true when something was deleted. */
  kvDelete(namespace: string, key: string, ifEquals?: Uint8Array): boolean;
  /** Keys starting with `prefix`, in byte order, `pageSize` at a time (1..1000). */
  kvList(namespace: string, prefix: string, pageSize: number, pageToken: string): KvPage;
}

/** What the gateway remembers about a plugin between runs. */
export interface PluginRecord {
  readonly pluginId: string;
  /** Undefined when an operator never chose; the gateway then uses its default (enabled). */
  readonly enabled: boolean | undefined;
  /** The saved configuration; undefined when never saved (manifest defaults apply). */
  readonly config: JsonObject | undefined;
}

/** Persistent enabled/disabled state and configuration of plugins. */
export interface PluginStateStore {
  getPluginRecord(pluginId: string): PluginRecord;
  setPluginEnabled(pluginId: string, enabled: boolean): void;
  savePluginConfig(pluginId: string, config: JsonObject): void;
}

/** Everything the gateway stores. */
export interface GatewayStore extends KvStore, PluginStateStore {
  close(): void;
}
