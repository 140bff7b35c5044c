// linkpreview: an example Polyplug plugin in TypeScript-flavoured JavaScript.
// Intercepts posted messages: rejects links to blocked domains and messages with too many
// links, strips tracking parameters and attaches link previews (modify). Configurable.
import { definePlugin, serve } from "@polyplug/sdk";
import { blockedDomainOf, findLinks, readSettings, stripTracking } from "./links.mjs";

let settings = readSettings({});

function interceptMessage(payload, ctx) {
  const text = typeof payload.message === "string" ? payload.message : "";
  const links = findLinks(text);
  if (links.length === 0) return ctx.proceed();
  if (links.length > settings.maxLinks) {
    return ctx.reject(`A message may contain at most ${settings.maxLinks} links.`, "too_many_links");
  }
  for (const link of links) {
    const domain = blockedDomainOf(link, settings.blockedDomains);
    if (domain) {
      // Fire and forget: a rejected post is worth a line in the gateway log.
      ctx.api
        .log("info", "rejected a link to a blocked domain", { domain, user_id: ctx.metadata.user_id ?? "" })
        .catch(() => undefined);
      return ctx.reject(`Links to ${domain} are not allowed here.`, "blocked_domain");
    }
  }
  let message = text;
  const previews = [];
  for (const link of links) {
    const clean = settings.stripTrackingParams ? stripTracking(link) : link;
    message = message.replace(link, clean);
    const url = new URL(clean);
    previews.push({ url: clean, domain: url.hostname, path: url.pathname });
  }
  return ctx.modify({ ...payload, message, link_previews: previews });
}

const plugin = definePlugin({
  id: "com.polyplug.example.linkpreview",
  version: "0.1.0",

  async onActivate(ctx) {
    settings = readSettings(ctx.config);
    ctx.log.info("linkpreview activated", {
      blocked_domains: settings.blockedDomains.length,
      max_links: settings.maxLinks,
    });
  },

  onConfigurationChanged(config, ctx) {
    settings = readSettings(config);
    ctx.log.info("linkpreview settings changed", { origin_plugin_id: ctx.originPluginId });
  },

  onDeactivate(ctx) {
    ctx.log.info("linkpreview deactivated");
  },

  intercept: {
    "message.will_be_posted": interceptMessage,
    "message.will_be_updated": interceptMessage,
  },
});

await serve(plugin);
