import type { JsonObject } from "@bufbuild/protobuf";

/** A KV write condition. */
export type KvCondition =
  | { readonly kind: "none" }
  | { readonly kind: "ifEquals"; readonly value: Uint8Array }
  | { readonly kind: "ifAbsent" };

/** One structured log record a plugin wrote through GatewayAPI.Log. */
export interface LoggedRecord {
  readonly level: string;
  readonly message: string;
  readonly fields: JsonObject;
  readonly requestId: string;
}

/** One event a plugin published through GatewayAPI.PublishEvent. */
export interface PublishedEvent {
  readonly event: string;
  readonly payload: JsonObject;
  readonly audience:
    | {
        readonly clientIds: readonly string[];
        readonly matchLabels: Readonly<Record<string, string>>;
        readonly omitClientIds: readonly string[];
      }
    | undefined;
}

/**
 * Storage behind the GatewayAPI the suite serves to a plugin. Arguments are already
 * validated against the contract's limits by the service adapter; `namespace` is the
 * plugin id of the connection. The in-memory backend is the default; the gateway's real
 * storage can implement this interface and be passed to the runner instead.
 */
export interface GatewayApiBackend {
  kvGet(
    namespace: string,
    key: string,
  ): Promise<{ found: boolean; value: Uint8Array; expiresAtMs: number | undefined }>;
  /** `ttlMs` 0 = no expiry. */
  kvSet(
    namespace: string,
    key: string,
    value: Uint8Array,
    condition: KvCondition,
    ttlMs: number,
  ): Promise<{ applied: boolean; currentValue: Uint8Array; currentFound: boolean }>;
  kvDelete(namespace: string, key: string, ifEquals: Uint8Array | undefined): Promise<boolean>;
  /** `pageSize` is 1..1000; a token this backend did not produce for this prefix rejects with an Error whose name is "InvalidPageToken". */
  kvList(
    namespace: string,
    prefix: string,
    pageSize: number,
    pageToken: string,
  ): Promise<{ keys: string[]; nextPageToken: string }>;
  log(namespace: string, record: LoggedRecord): Promise<void>;
  publish(namespace: string, event: PublishedEvent): Promise<void>;
  getConfig(namespace: string): Promise<JsonObject>;
  saveConfig(namespace: string, configuration: JsonObject): Promise<void>;
}
