import { describe, expect, it } from "vitest";
import { matchRoute, matchTopic } from "./routing.js";

describe("matchTopic", () => {
  const handlers = { "message.will_be_posted": "exact", "message.*": "prefix", "message.will.*": "longer", "*": "any" };
  it.each([
    ["message.will_be_posted", "exact"],
    ["message.has_been_posted", "prefix"],
    ["message.will.x", "longer"],
    ["message.", "any"],
    ["user.joined", "any"],
  ])("%s → %s", (topic, expected) => expect(matchTopic(topic, handlers)).toBe(expected));
  it("returns undefined without a match", () => expect(matchTopic("a.b", { "c.*": 1 })).toBeUndefined());
});

describe("matchRoute", () => {
  const routes = [
    { method: "*", pathPrefix: "/" },
    { method: "*", pathPrefix: "/hooks" },
    { method: "POST", pathPrefix: "/hooks" },
    { method: "GET", pathPrefix: "/hooks/deep/" },
  ];
  it.each([
    ["GET", "/hooks", "* /hooks"],
    ["POST", "/hooks/x", "POST /hooks"],
    ["GET", "/hooksy", "* /"],
    ["GET", "/hooks/deep/1", "GET /hooks/deep/"],
    ["GET", "/hooks/deep", "GET /hooks/deep/"],
  ])("%s %s → %s", (method, path, expected) => {
    const route = matchRoute(method, path, routes);
    expect(route && `${route.method} ${route.pathPrefix}`).toBe(expected);
  });
});
