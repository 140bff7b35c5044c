// `conformance.api` scripts: one GatewayAPI call per step (conformance/README.md).
import { ErrorCode, PluginError } from "@polyplug/sdk";

/** The ErrorCode named `ERROR_CODE_<NAME>`; INTERNAL for anything else. */
export function errorCode(name) {
  const short = typeof name === "string" && name.startsWith("ERROR_CODE_") ? name.slice("ERROR_CODE_".length) : "";
  const code = ErrorCode[short];
  return typeof code === "number" && short !== "UNSPECIFIED" ? code : ErrorCode.INTERNAL;
}

const text = (bytes) => (bytes === undefined ? "" : Buffer.from(bytes).toString("utf8"));
const strings = (list) => (Array.isArray(list) ? list.filter((item) => typeof item === "string") : []);

async function perform(api, call) {
  const key = String(call.key ?? "");
  switch (call.op) {
    case "kv_get": {
      const entry = await api.kv.get(key);
      return { found: entry !== undefined, value: text(entry?.value) };
    }
    case "kv_set": {
      const options = {
        ...(typeof call.if_equals === "string" ? { ifEquals: call.if_equals } : {}),
        ...(call.if_absent === true ? { ifAbsent: true } : {}),
        ...(Number(call.ttl_ms) > 0 ? { ttlMs: Number(call.ttl_ms) } : {}),
      };
      const result = await api.kv.set(key, String(call.value ?? ""), options);
      const current = result.applied ? undefined : result.current;
      return { applied: result.applied, current_value: text(current), current_found: current !== undefined };
    }
    case "kv_delete":
      return {
        deleted: await api.kv.delete(key, typeof call.if_equals === "string" ? { ifEquals: call.if_equals } : {}),
      };
    case "kv_list": {
      const page = await api.kv.list(String(call.prefix ?? ""), {
        pageSize: Number(call.page_size ?? 0),
        pageToken: String(call.page_token ?? ""),
      });
      return { keys: [...page.keys], next_page_token: page.nextPageToken };
    }
    case "kv_list_all": {
      const keys = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await api.kv.list(String(call.prefix ?? ""), { pageSize: Number(call.page_size ?? 0), pageToken });
        pages++;
        keys.push(...page.keys);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return { keys, pages };
    }
    case "log":
      await api.log(String(call.level ?? "info"), String(call.message ?? ""), call.fields ?? {});
      return {};
    case "publish": {
      const audience = call.audience ?? {};
      await api.publish(String(call.event ?? ""), call.payload ?? {}, {
        clientIds: strings(audience.client_ids),
        matchLabels: audience.match_labels ?? {},
        omitClientIds: strings(audience.omit_client_ids),
      });
      return {};
    }
    case "get_config":
      return { configuration: await api.getConfig() };
    case "save_config":
      await api.saveConfig(call.configuration ?? {});
      return {};
  }
  throw new PluginError(ErrorCode.INVALID_ARGUMENT, `unknown op ${JSON.stringify(call.op)}`);
}

/**
 * Runs one call with the hook's GatewayAPI (log records carry its request id):
 * `{ok: true, ...}` or `{ok: false, code, message}` when the SDK or the gateway failed it.
 */
export async function runApiCall(ctx, call) {
  try {
    return { ok: true, ...(await perform(ctx.api, call)) };
  } catch (reason) {
    const error = PluginError.from(reason);
    return { ok: false, code: `ERROR_CODE_${ErrorCode[error.code] ?? error.code}`, message: error.message };
  }
}
