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
  kvGet(namespace: string, key: string): Promise<KvEntry | undefined>;
  kvSet(namespace: string, key: string, value: Uint8Array, options?: KvSetOptions): Promise<KvSetResult>;
  /** Deletes (only if the value equals `ifEquals`, when given); true when something was deleted. */
  kvDelete(namespace: string, key: string, ifEquals?: Uint8Array): Promise<boolean>;
  /** Keys starting with `prefix`, in UTF-8 byte order, `pageSize` at a time (1..1000). */
  kvList(namespace: string, prefix: string, pageSize: number, pageToken: string): Promise<KvPage>;
}

/** What the gateway remembers about a plugin between runs. */
export interface PluginRecord {
  readonly pluginId: string;
  /** Undefined when an operator never chose; the gateway then uses its default (enabled). */
  readonly enabled: boolean | undefined;
  /** The saved configuration; undefined when never saved (manifest defaults apply). */
  readonly config: JsonObject | undefined;
  /** The installed bundle version (see BundleStore); undefined when none is installed through the gateway. */
  readonly installedVersion: string | undefined;
}

/** Persistent enabled/disabled state, configuration and installed version of plugins. */
export interface PluginStateStore {
  getPluginRecord(pluginId: string): Promise<PluginRecord>;
  /** Every plugin the store has a record of, by id. */
  listPluginRecords(): Promise<PluginRecord[]>;
  setPluginEnabled(pluginId: string, enabled: boolean): Promise<void>;
  savePluginConfig(pluginId: string, config: JsonObject): Promise<void>;
  /** Records which stored bundle version is installed; undefined = removed. */
  setInstalledVersion(pluginId: string, version: string | undefined): Promise<void>;
}

/** A plugin bundle as installed (the .tar.gz bytes, verified again by whoever unpacks them). */
export interface StoredBundle {
  readonly pluginId: string;
  readonly version: string;
  /** Lower-case hex SHA-256 of `bytes`. */
  readonly sha256: string;
  readonly bytes: Uint8Array;
  /** The detached signature it was installed with, if any. */
  readonly signature: Uint8Array | undefined;
  /** Epoch milliseconds it was stored. */
  readonly storedAt: number;
}

/**
 * Installed bundles, kept so every gateway sharing the store can fetch and verify any
 * installed version. One bundle per (plugin, version); storing a version again replaces it.
 */
export interface BundleStore {
  putBundle(bundle: StoredBundle): Promise<void>;
  getBundle(pluginId: string, version: string): Promise<StoredBundle | undefined>;
  /** The stored versions of a plugin, oldest first (without their bytes). */
  listBundles(pluginId: string): Promise<Omit<StoredBundle, "bytes" | "signature">[]>;
  /** Deletes every stored version of a plugin; returns how many. */
  deleteBundles(pluginId: string): Promise<number>;
}

/** A trusted bundle-signing public key kept in the store. */
export interface StoredTrustedKey {
  /** The key id (see registry/signature-keys.ts keyIdOf). */
  readonly keyId: string;
  /** A name for messages (e.g. the file it was added from). */
  readonly name: string;
  /** SPKI PEM of the ed25519 public key. */
  readonly pem: string;
}

/** Trusted signature keys shared by every gateway using the store (in addition to each one's trusted-keys folder). */
export interface TrustedKeyStore {
  putTrustedKey(key: StoredTrustedKey): Promise<void>;
  listTrustedKeys(): Promise<StoredTrustedKey[]>;
  deleteTrustedKey(keyId: string): Promise<boolean>;
}

/** Everything the gateway stores. */
export interface GatewayStore extends KvStore, PluginStateStore, BundleStore, TrustedKeyStore {
  /** `sqlite` (one machine) or `postgres` (shared by a cluster of gateways). */
  readonly kind: "sqlite" | "postgres";
  close(): Promise<void>;
}
