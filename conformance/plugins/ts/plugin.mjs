// The Polyplug conformance plugin, built with the TypeScript SDK ("@polyplug/sdk").
// Its behaviour is specified in conformance/README.md ("The conformance plugin"); every
// language implements the same behaviour with its own SDK. Run by a host: `node plugin.mjs`.
// The SDK import comes first: it guards stdout before anything else can print.
import { definePlugin, ErrorCode, PluginError, serve } from "@polyplug/sdk";
import { errorCode, runApiCall } from "./api-script.mjs";
import { httpRoutes } from "./http-routes.mjs";

/** The id every conformance plugin uses. */
export const PLUGIN_ID = "com.polyplug.conformance";

// The origin_plugin_id of the last accepted ConfigurationChanged ("" before any). The
// configuration itself is the SDK's `plugin.config` (the one in force), so conformance.config
// shows what the SDK keeps after a rejected change.
let configOrigin = "";

const cancelledError = () => new PluginError(ErrorCode.CANCELLED, "the call was cancelled");

/** conformance.sleep: wait `ms`; when cancelled first, record it under `key` with a call not tied to the hook. */
async function sleep(payload, ctx) {
  const cancelled = await new Promise((resolve) => {
    if (ctx.signal.aborted) return resolve(true);
    const timer = setTimeout(
      () => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve(false);
      },
      Number(payload.ms ?? 0),
    );
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  if (!cancelled) return ctx.proceed();
  // plugin.api is not bound to the hook call, so its calls survive the cancellation.
  if (typeof payload.key === "string") await plugin.api.kv.set(payload.key, "cancelled");
  throw cancelledError();
}

const interceptHandlers = {
  "conformance.echo": (_payload, ctx) => ctx.proceed(),
  "conformance.modify": (payload, ctx) => ctx.modify({ ...payload, modified: true }),
  "conformance.reject": (payload, ctx) => ctx.reject(String(payload.reason ?? ""), String(payload.code ?? "")),
  "conformance.fail": (payload) => {
    throw new PluginError(errorCode(payload.code), String(payload.message ?? ""));
  },
  "conformance.throw": (payload) => {
    throw new Error(String(payload.message ?? ""));
  },
  "conformance.sleep": sleep,
  "conformance.context": (_payload, ctx) =>
    ctx.modify({
      request_id: ctx.requestId,
      plugin_id: ctx.pluginId,
      origin_plugin_id: ctx.originPluginId,
      traceparent: ctx.traceparent,
      tracestate: ctx.tracestate,
      metadata: { ...ctx.metadata },
      has_deadline: ctx.deadline !== undefined,
    }),
  "conformance.config": (_payload, ctx) => ctx.modify({ configuration: plugin.config, origin_plugin_id: configOrigin }),
  "conformance.grow": (payload, ctx) => ctx.modify({ data: "x".repeat(Number(payload.bytes ?? 0)) }),
  "conformance.print": (payload, ctx) => {
    process.stdout.write(`${String(payload.text ?? "")}\n`);
    return ctx.proceed();
  },
  "conformance.api": async (payload, ctx) => {
    const results = [];
    for (const call of Array.isArray(payload.calls) ? payload.calls : [])
      results.push(await runApiCall(ctx, call ?? {}));
    return ctx.modify({ results });
  },
};

const plugin = definePlugin({
  id: PLUGIN_ID,
  version: "1.0.0",

  async onActivate(ctx) {
    if (typeof ctx.config.fail_activate === "string")
      throw new PluginError(ErrorCode.FAILED_PRECONDITION, ctx.config.fail_activate);
    await ctx.api.log("info", "conformance plugin activated", { gateway_version: ctx.gateway.version });
  },

  async onDeactivate(ctx) {
    await ctx.api.log("info", "conformance plugin deactivated");
  },

  onConfigurationChanged(config, ctx) {
    if (config.reject_config === true)
      throw new PluginError(ErrorCode.INVALID_ARGUMENT, "configuration rejected: reject_config is true");
    configOrigin = ctx.originPluginId;
  },

  intercept: {
    "conformance.*": (payload, ctx) => {
      const handler = Object.hasOwn(interceptHandlers, ctx.topic) ? interceptHandlers[ctx.topic] : undefined;
      if (!handler)
        throw new PluginError(ErrorCode.NOT_FOUND, `unknown conformance topic ${JSON.stringify(ctx.topic)}`);
      return handler(payload, ctx);
    },
  },

  notify: {
    "conformance.*": async (payload, ctx) => {
      if (typeof payload.fail === "string") throw new PluginError(errorCode(payload.fail), "notify failed as asked");
      await ctx.api.kv.set(`notify/${String(payload.id ?? "")}`, JSON.stringify({ topic: ctx.topic, payload }));
    },
  },

  commands: {
    echo: {
      description: "Echoes its arguments",
      usage: "[words...]",
      run: (args, ctx) => ({ text: args.join(" "), data: { command: ctx.command, args: [...args], raw: ctx.raw } }),
    },
    fail: {
      description: "Always fails with INVALID_ARGUMENT",
      run(args) {
        throw new PluginError(ErrorCode.INVALID_ARGUMENT, `bad arguments: ${args.join(" ")}`);
      },
    },
  },

  http: httpRoutes,
});

await serve(plugin);
