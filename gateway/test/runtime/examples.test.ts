// The example plugins of all three languages under one gateway, as `npm start` runs them,
// and a clean shutdown that leaves no process or socket directory behind.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createGateway } from "../../src/runtime/gateway.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "./scripted-plugins.js";
import { alive } from "../process-tree.js";

describe("the example plugins (Go, Python, TypeScript) under one gateway", () => {
  it("chains them, fans notifications out, and stops cleanly", async () => {
    const sockets = mkdtempSync(path.join(tmpdir(), "sockets-"));
    const gateway = await createGateway({
      pluginsDirs: [
        path.join(fixturePaths.examplesGo, "plugins"),
        path.join(fixturePaths.repo, "examples-python", "plugins"),
        path.join(fixturePaths.gateway, "examples"),
      ],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      socketDirBase: sockets,
      interpreters: { python: path.join(fixturePaths.repo, ".venv", "bin", "python") },
    });
    try {
      const states = Object.fromEntries(gateway.plugins().map((p) => [p.pluginId, p.state]));
      expect(states).toEqual({
        "com.polyplug.example.wordfilter": "active",
        "com.polyplug.example.membership": "active",
        "com.polyplug.example.wordfilter-python": "active",
        "com.polyplug.example.membership-python": "active",
        "com.polyplug.example.linkpreview": "active",
        "com.polyplug.example.auditlog": "active",
      });

      const rejected = await gateway.dispatcher.intercept("message.will_be_posted", { message: "this is forbidden" });
      expect(rejected.rejection).toMatchObject({ pluginId: "com.polyplug.example.wordfilter", code: "blocked_word" });

      const passed = await gateway.dispatcher.intercept("message.will_be_posted", { message: "well darn" });
      expect(passed.allowed).toBe(true);
      expect(passed.payload.message).toBe("well ****");
      expect(passed.steps.map((s) => s.pluginId)).toEqual([
        "com.polyplug.example.wordfilter",
        "com.polyplug.example.wordfilter-python",
        "com.polyplug.example.linkpreview",
        "com.polyplug.example.auditlog",
      ]);

      const receipt = gateway.dispatcher.notify("user.joined_channel", { user_id: "ann", channel_id: "town" });
      expect([...receipt.queuedFor].sort()).toEqual([
        "com.polyplug.example.auditlog",
        "com.polyplug.example.membership",
        "com.polyplug.example.membership-python",
      ]);
      await gateway.dispatcher.drained();
      await expect(gateway.dispatcher.executeCommand("members", ["town"], "/members town")).rejects.toMatchObject({
        code: "failed_precondition",
      });
    } finally {
      const pids = gateway
        .plugins()
        .map((p) => p.pid)
        .filter((pid): pid is number => pid !== undefined);
      expect(pids).toHaveLength(6);
      await gateway.stop();
      expect(pids.filter(alive)).toEqual([]);
      expect(readdirSync(sockets)).toEqual([]);
    }
  });
});
