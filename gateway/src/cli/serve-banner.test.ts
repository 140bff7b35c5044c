import { describe, expect, it } from "vitest";
import { tryIt } from "./serve.js";

describe("serve banner: Try it", () => {
  it("offers the word-filter curl only when the example word filter is active", () => {
    const url = "http://127.0.0.1:8080";
    expect(tryIt(url, [{ pluginId: "com.polyplug.example.wordfilter", state: "active" }])[0]).toBe(
      "Try it (the example word filter rejects the message):",
    );
    expect(tryIt(url, [{ pluginId: "com.polyplug.example.wordfilter-python", state: "active" }]).join("\n")).toContain(
      "this is forbidden",
    );
    for (const plugins of [
      [],
      [{ pluginId: "com.polyplug.example.wordfilter", state: "failed" }],
      [{ pluginId: "com.example.other", state: "active" }],
    ]) {
      const lines = tryIt(url, plugins).join("\n");
      expect(lines).not.toContain("Try it");
      expect(lines).toContain(`curl -s ${url}/`);
    }
  });
});
