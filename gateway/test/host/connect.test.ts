import { describe, expect, it } from "vitest";
import { startPlugin } from "../../src/entry/host.js";
import { fixturePaths } from "../paths.js";

describe("connecting to a started plugin", () => {
  it("keeps trying until the plugin listens when it printed its handshake line first", async () => {
    const plugin = await startPlugin({
      command: process.execPath,
      args: [fixturePaths.nodeFixture("late-listen.mjs")],
    });
    try {
      expect(await plugin.health()).toBe("SERVING");
      expect(plugin.startupMs).toBeGreaterThanOrEqual(0);
    } finally {
      await plugin.shutdown();
    }
  });
});
