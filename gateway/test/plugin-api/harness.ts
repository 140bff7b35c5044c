import type { JsonObject } from "@bufbuild/protobuf";
import { afterEach } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/errors.js";
import { API_CAPABILITIES } from "../../src/registry/manifest.js";
import type { PublishedEvent } from "../../src/plugin-api/events.js";
import type { GatewayApiDeps } from "../../src/plugin-api/gateway-api.js";
import type { SqliteStore } from "../../src/store/sqlite-store.js";
import { captureLogs, type LogRecord } from "../log-capture.js";
import { tempStore } from "../store/temp-store.js";
import { serveGatewayApi, type ServedGatewayApi } from "./serve-gateway-api.js";

/** One plugin's served GatewayAPI plus everything its calls touch. */
export interface PluginHarness extends ServedGatewayApi {
  readonly events: PublishedEvent[];
  readonly logs: LogRecord[];
  readonly savedConfigs: JsonObject[];
}

/**
 * Serves the GatewayAPI for `pluginId` over a real unix socket, on `store`. The config
 * dependency keeps configurations in memory and rejects a non-numeric `max` the way the
 * runtime's schema validation does (invalid_argument naming the field).
 */
export async function servePlugin(
  pluginId: string,
  store: SqliteStore,
  extra: Partial<GatewayApiDeps> = {},
): Promise<PluginHarness> {
  const events: PublishedEvent[] = [];
  const savedConfigs: JsonObject[] = [];
  const { logger, records } = captureLogs();
  let current: JsonObject = {};
  const served = await serveGatewayApi({
    pluginId,
    permissions: API_CAPABILITIES,
    store,
    logger: logger.child({ plugin_id: pluginId }),
    events: {
      publish: (event) => {
        events.push(event);
        return 1;
      },
    },
    config: {
      get: () => current,
      save: async (config) => {
        if ("max" in config && typeof config.max !== "number") {
          throw new PolyplugError(ErrorCode.InvalidArgument, "max: must be a number", { details: { field: "max" } });
        }
        savedConfigs.push(config);
        current = config;
        return config;
      },
    },
    ...extra,
  });
  afterEach(() => served.close());
  return { ...served, events, logs: records, savedConfigs };
}

/** A store on a temp file whose clock the test moves. */
export function storeWithClock(start = 1_700_000_000_000): { store: SqliteStore; clock: { now: number } } {
  const clock = { now: start };
  const { store } = tempStore({ now: () => clock.now });
  return { store, clock };
}
