// auditlog: an example Polyplug plugin. Records notifications in its KV namespace (with a
// compare-and-set sequence counter and optional expiry), announces them to WebSocket
// clients, tags posted messages with the audit ref they will get, answers the /audit
// command (which can also change its own configuration) and serves the log over HTTP with
// streaming bodies in both directions.
import { createHash } from "node:crypto";
import { definePlugin, PluginError, ErrorCode, serve } from "@polyplug/sdk";
import { clear, countEvents, eventKeys, record, recentEvents } from "./store.mjs";

let settings = { retentionSeconds: 0, announce: true };

function applyConfig(config) {
  settings = {
    retentionSeconds: Number.isInteger(config.retention_seconds) ? config.retention_seconds : 0,
    announce: config.announce !== false,
  };
}

async function recordNotification(payload, ctx) {
  const seq = await record(
    ctx.api.kv,
    { topic: ctx.topic, request_id: ctx.requestId, user_id: ctx.metadata.user_id ?? "", payload },
    settings.retentionSeconds,
  );
  if (settings.announce) {
    const channel = typeof payload.channel_id === "string" ? payload.channel_id : undefined;
    await ctx.api.publish(
      "audit.recorded",
      { seq, topic: ctx.topic },
      channel ? { matchLabels: { channel_id: channel } } : {},
    );
  }
}

const auditCommand = {
  description: "Show or manage the audit log",
  usage: "count | recent [n] | clear | retention <seconds>",
  async run(args, ctx) {
    const [action = "count", value] = args;
    switch (action) {
      case "count":
        return `${await countEvents(ctx.api.kv)} events recorded`;
      case "recent": {
        const events = await recentEvents(ctx.api.kv, value ? Number(value) : 10);
        return { text: `${events.length} recent events`, data: { events } };
      }
      case "clear": {
        const removed = await clear(ctx.api.kv);
        await ctx.api.log("warn", "audit log cleared", { removed, by: ctx.metadata.user_id ?? "" });
        return `removed ${removed} events`;
      }
      case "retention": {
        const seconds = Number(value);
        if (!Number.isInteger(seconds) || seconds < 0)
          throw new PluginError(
            ErrorCode.INVALID_ARGUMENT,
            "usage: /audit retention <seconds> (a whole number, 0 = forever)",
          );
        const config = await ctx.api.getConfig();
        await ctx.api.saveConfig({ ...config, retention_seconds: seconds });
        return `retention set to ${seconds} s`;
      }
      default:
        throw new PluginError(
          ErrorCode.INVALID_ARGUMENT,
          `unknown action ${JSON.stringify(action)}; usage: /audit ${auditCommand.usage}`,
        );
    }
  },
};

const plugin = definePlugin({
  id: "com.polyplug.example.auditlog",
  version: "0.1.0",

  async onActivate(ctx) {
    applyConfig(ctx.config);
    // The stored configuration is the same one Activate carried; read it to show the call.
    const stored = await ctx.api.getConfig();
    await ctx.api.log("info", "auditlog activated", {
      retention_seconds: settings.retentionSeconds,
      stored_keys: Object.keys(stored).length,
      gateway: ctx.gateway.version,
    });
  },

  async onConfigurationChanged(config, ctx) {
    applyConfig(config);
    await ctx.api.log("info", "auditlog configuration changed", {
      retention_seconds: settings.retentionSeconds,
      origin_plugin_id: ctx.originPluginId,
    });
  },

  async onDeactivate(ctx) {
    await ctx.api.log("info", "auditlog deactivating", { events: await countEvents(ctx.api.kv) });
  },

  intercept: {
    // Tags each posted message so the application can link it to its audit entry.
    "message.will_be_posted": (payload, ctx) =>
      ctx.modify({ ...payload, audit: { request_id: ctx.requestId, audited: true } }),
  },

  notify: {
    "user.joined_channel": recordNotification,
    "message.*": recordNotification,
  },

  commands: { audit: auditCommand },

  http: [
    {
      // The whole log as NDJSON, one KV read per line, streamed as it is read.
      method: "GET",
      pathPrefix: "/events",
      async handle(_req, res, ctx) {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        for await (const key of eventKeys(ctx.api.kv)) {
          const entry = await ctx.api.kv.get(key);
          if (entry) await res.write(`${entry.text()}\n`);
        }
      },
    },
    {
      method: "GET",
      pathPrefix: "/count",
      async handle(_req, res, ctx) {
        res.writeHead(200, { "content-type": "application/json" });
        await res.end(JSON.stringify({ count: await countEvents(ctx.api.kv) }));
      },
    },
    {
      // Streams the request body back chunk by chunk; the byte count and SHA-256 follow as trailers.
      method: "POST",
      pathPrefix: "/echo",
      async handle(req, res) {
        const hash = createHash("sha256");
        let bytes = 0;
        res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/octet-stream" });
        for await (const chunk of req.body) {
          hash.update(chunk);
          bytes += chunk.length;
          await res.write(chunk);
        }
        res.setTrailers({ "x-bytes": String(bytes), "x-sha256": hash.digest("hex") });
      },
    },
  ],
});

await serve(plugin);
