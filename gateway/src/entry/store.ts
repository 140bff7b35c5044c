// `polyplug/store`: the gateway's storage engines (embedded SQLite, shared PostgreSQL) and the
// interfaces a GatewayOptions.store must implement.
export { openSqliteStore } from "../store/sqlite-store.js";
export type {
  GatewayStore,
  KvStore,
  PluginStateStore,
  BundleStore,
  StoredBundle,
  StoredTrustedKey,
  TrustedKeyStore,
} from "../store/store.js";
export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from "../store/pg-store.js";
export { openGatewayStore, type OpenGatewayStoreOptions } from "../store/open-store.js";
