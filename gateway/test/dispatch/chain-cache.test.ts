// The per-topic chain cache: same answers as interceptChain, worked out again whenever the
// members change (another set, a new Describe answer after a restart, a new manifest).
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ChainMember } from "../../src/dispatch/active-plugins.js";
import { InterceptChainCache } from "../../src/dispatch/chain-cache.js";
import { interceptChain } from "../../src/dispatch/intercept-chain.js";
import { DescribeResponseSchema, Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { parseManifest } from "../../src/registry/manifest.js";
import type { PluginSession } from "../../src/supervision/plugin-session.js";

const logger = pino({ level: "silent" });

/** A chain member as the plugin table hands it out: a fresh object on every members(). */
function active(id: string, priority: number, session: PluginSession, topic = "a.*"): ChainMember {
  const manifest = parseManifest(
    JSON.stringify({ id, name: id, version: "1.0.0", command: ["x"], hooks: { intercept: [{ topic, priority }] } }),
    "plugin.json",
  );
  return { pluginId: id, manifest, description: session.description, active: () => undefined, state: () => "active" };
}

/** What dispatch reads of a session: Describe's answer (the RPC client is not used here). */
function session(id: string, interceptTopics = ["a.*"]): PluginSession {
  const description = create(DescribeResponseSchema, {
    pluginId: id,
    interceptTopics,
    implementedHooks: [Hook.INTERCEPT],
  });
  return { pluginId: id, description, implements: (hook: Hook) => hook === Hook.INTERCEPT } as unknown as PluginSession;
}

const ids = (links: readonly { member: ChainMember }[]) => links.map((l) => l.member.pluginId);

describe("InterceptChainCache", () => {
  it("answers like interceptChain and reuses the chain while the plugins are the same", () => {
    const sessions = { p: session("com.p"), q: session("com.q") };
    const manifests = { p: active("com.p", 20, sessions.p).manifest, q: active("com.q", 10, sessions.q).manifest };
    const list = () => [
      { ...active("com.p", 20, sessions.p), manifest: manifests.p },
      { ...active("com.q", 10, sessions.q), manifest: manifests.q },
    ];
    const cache = new InterceptChainCache();
    const first = cache.links(list(), "a.b", logger);
    expect(ids(first)).toEqual(ids(interceptChain(list(), "a.b", logger)));
    expect(ids(first)).toEqual(["com.q", "com.p"]);
    expect(cache.links(list(), "a.b", logger)).toBe(first);
    expect(cache.links(list(), "x.y", logger)).toEqual([]);
  });

  it("works the chain out again after a restart, a new manifest or another set of plugins", () => {
    const cache = new InterceptChainCache();
    const p = session("com.p");
    const manifest = active("com.p", 20, p).manifest;
    const before = cache.links([{ ...active("com.p", 20, p), manifest }], "a.b", logger);
    // Restarted: a new Describe answer that no longer implements the topic.
    expect(
      ids(cache.links([{ ...active("com.p", 20, session("com.p", ["other.*"])), manifest }], "a.b", logger)),
    ).toEqual([]);
    // A new manifest (priority changed) on the same session.
    const q = session("com.q");
    const reordered = cache.links([active("com.p", 30, p), active("com.q", 25, q)], "a.b", logger);
    expect(ids(reordered)).toEqual(["com.q", "com.p"]);
    expect(reordered).not.toBe(before);
    // A plugin gone.
    expect(ids(cache.links([active("com.q", 25, q)], "a.b", logger))).toEqual(["com.q"]);
  });
});

describe("interceptChain", () => {
  it("keeps a member that is down in the chain, by its manifest before it ever ran", () => {
    const manifest = active("com.p", 20, session("com.p")).manifest;
    const down: ChainMember = {
      pluginId: "com.p",
      manifest,
      description: undefined,
      active: () => undefined,
      state: () => "starting",
    };
    expect(ids(interceptChain([down], "a.b", logger))).toEqual(["com.p"]);
  });
});
