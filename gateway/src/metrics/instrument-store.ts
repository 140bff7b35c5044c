import type { GatewayStore } from "../store/store.js";
import type { GatewayMetrics } from "./gateway-metrics.js";

async function counted<T>(
  count: (result: string) => void,
  run: () => Promise<T>,
  resultOf: (value: T) => string,
): Promise<T> {
  let value: T;
  try {
    value = await run();
  } catch (error) {
    count("error");
    throw error;
  }
  count(resultOf(value));
  return value;
}

/**
 * Wraps a store so every KV operation is counted in `polyplug_kv_operations_total` by
 * namespace (the plugin id), operation and result: `get` → hit | miss, `set` → applied |
 * not_applied (a failed compare-and-set or insert-if-absent), `delete` → deleted | absent,
 * `list` → ok; any of them → error when the store throws (the error is rethrown unchanged).
 * Everything else is the store's own (the returned object shares its lifetime).
 */
export function instrumentStore(store: GatewayStore, metrics: Pick<GatewayMetrics, "countKv">): GatewayStore {
  return {
    ...store,
    kvGet: (namespace, key) =>
      counted(
        (result) => metrics.countKv(namespace, "get", result),
        () => store.kvGet(namespace, key),
        (entry) => (entry ? "hit" : "miss"),
      ),
    kvSet: (namespace, key, value, options) =>
      counted(
        (result) => metrics.countKv(namespace, "set", result),
        () => store.kvSet(namespace, key, value, options),
        (outcome) => (outcome.applied ? "applied" : "not_applied"),
      ),
    kvDelete: (namespace, key, ifEquals) =>
      counted(
        (result) => metrics.countKv(namespace, "delete", result),
        () => store.kvDelete(namespace, key, ifEquals),
        (deleted) => (deleted ? "deleted" : "absent"),
      ),
    kvList: (namespace, prefix, pageSize, pageToken) =>
      counted(
        (result) => metrics.countKv(namespace, "list", result),
        () => store.kvList(namespace, prefix, pageSize, pageToken),
        () => "ok",
      ),
  };
}
