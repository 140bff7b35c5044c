import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FailurePolicy, type FailMode } from "./failure-policy.js";

describe("FailurePolicy", () => {
  const config = {
    default: "closed" as const,
    plugins: {
      "p.all": "open" as const,
      "p.topics": { "*": "open", "message.*": "closed", "message.will_be_posted": "open" } as Record<string, FailMode>,
    },
  };

  it.each([
    ["p.all", "message.x", "closed", { mode: "open", source: "config" }],
    ["p.topics", "message.will_be_posted", "closed", { mode: "open", source: "config" }],
    ["p.topics", "message.deleted", "open", { mode: "closed", source: "config" }],
    ["p.topics", "user.joined", "closed", { mode: "open", source: "config" }],
    ["p.other", "message.x", "open", { mode: "closed", source: "config-default" }],
  ] as const)("%s on %s (manifest suggests %s) → %o", (pluginId, topic, suggested, expected) => {
    expect(new FailurePolicy(config).resolve(pluginId, topic, suggested)).toEqual(expected);
  });

  it("uses the manifest's suggestion only when the operator set nothing", () => {
    expect(new FailurePolicy().resolve("p.a", "t.x", "closed")).toEqual({ mode: "closed", source: "manifest" });
  });

  it("lets an admin override win over the config, and removing it restores the config", () => {
    const policy = new FailurePolicy(config);
    policy.setAdminOverride("p.all", "message.*", "closed");
    expect(policy.resolve("p.all", "message.x", "open")).toEqual({ mode: "closed", source: "admin" });
    expect(policy.resolve("p.all", "user.x", "open")).toEqual({ mode: "open", source: "config" });
    policy.setAdminOverride("p.all", "message.*", undefined);
    expect(policy.adminOverrides()).toEqual({});
    expect(policy.resolve("p.all", "message.x", "open")).toEqual({ mode: "open", source: "config" });
  });

  it("refuses a malformed mode or topic, naming the field", () => {
    expect(() => new FailurePolicy({ default: "shut" as FailMode })).toThrow(
      /failurePolicy.default: "shut" is not a fail mode/,
    );
    expect(() => new FailurePolicy({ plugins: { "p.a": { "Bad Topic": "open" } } })).toThrow(
      /failurePolicy.plugins.p.a: "Bad Topic" is not a topic/,
    );
    expect(() => new FailurePolicy().setAdminOverrides({ "p.a": { "*": "maybe" as FailMode } })).toThrow(
      /not a fail mode/,
    );
  });

  it("always answers a mode, and an exact topic key always beats any pattern", () => {
    const mode = fc.constantFrom<FailMode>("open", "closed");
    const topic = fc.stringMatching(/^[a-z]{1,3}(\.[a-z]{1,3}){0,2}$/);
    fc.assert(
      fc.property(topic, mode, mode, mode, (t, exact, wildcard, suggested) => {
        const prefix = t.includes(".") ? `${t.slice(0, t.indexOf("."))}.*` : "*";
        const policy = new FailurePolicy({ plugins: { p: { [prefix]: wildcard, [t]: exact } } });
        expect(policy.resolve("p", t, suggested)).toEqual({ mode: exact, source: "config" });
        expect(["open", "closed"]).toContain(policy.resolve("q", t, suggested).mode);
      }),
    );
  });
});
