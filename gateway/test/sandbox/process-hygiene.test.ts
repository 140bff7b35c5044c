// Issue #11 item 4: everything a plugin starts dies with it. The hostile plugin double-forks a
// `sleep` into a session of its own (escaping its process group), then exits, is stopped, or
// its gateway is SIGKILLed; no process may be left.
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";
import {
  cgroupSkipReason,
  hostileSetup,
  processesWith,
  python,
  sandboxSkipReason,
  waitForPlugin,
  waitNoProcessWith,
  waitUntilNone,
} from "./sandbox-harness.js";

const token = () => `1000.${randomInt(100_000, 999_999)}`;

async function startHostile(mode: "required" | "off"): Promise<{ gateway: Gateway; pluginId: string }> {
  const setup = hostileSetup();
  const gateway = await createGateway({
    pluginsDirs: [setup.pluginsDir],
    dataDir: setup.dataDir,
    port: 0,
    logger: pino({ level: "silent" }),
    interpreters: { python },
    sandbox: { mode },
    policy: { restartBaseMs: 100 },
  });
  expect(gateway.plugin(setup.pluginId).state).toBe("active");
  return { gateway, pluginId: setup.pluginId };
}

async function forkGrandchild(gateway: Gateway): Promise<string> {
  const marker = token();
  await gateway.dispatcher.executeCommand("fork", [marker], `/fork ${marker}`);
  // The grandchild exists while the plugin lives: the fixture really forks. Polled: its cmdline
  // reads empty for an instant while setsid execs sleep (seen once under load).
  await eventually(
    () => processesWith(`sleep ${marker}`).length === 1,
    10_000,
    `one process running "sleep ${marker}"`,
  );
  return `sleep ${marker}`;
}

const cases = [
  { mode: "required", skip: sandboxSkipReason, how: "bubblewrap's pid namespace" },
  { mode: "off", skip: cgroupSkipReason, how: "the plugin's cgroup, without a sandbox" },
] as const;

for (const { mode, skip, how } of cases) {
  describe.skipIf(skip !== "")(`a plugin's children die with it: ${how}${skip}`, () => {
    it("when the plugin exits by itself", async () => {
      const { gateway, pluginId } = await startHostile(mode);
      try {
        const marker = await forkGrandchild(gateway);
        const restartsBefore = gateway.plugin(pluginId).restarts;
        await expect(gateway.dispatcher.executeCommand("exit", [], "/exit")).rejects.toThrow();
        expect(await waitNoProcessWith(marker)).toEqual([]);
        // ...and the plugin is restarted by the normal policy.
        await waitForPlugin(gateway, pluginId, (p) => p.state === "active" && p.restarts > restartsBefore);
      } finally {
        await gateway.stop();
      }
    }, 60_000);

    it("when the plugin is stopped", async () => {
      const { gateway, pluginId } = await startHostile(mode);
      try {
        const marker = await forkGrandchild(gateway);
        await gateway.disable(pluginId);
        expect(await waitNoProcessWith(marker)).toEqual([]);
      } finally {
        await gateway.stop();
      }
    }, 60_000);
  });
}

describe.skipIf(sandboxSkipReason !== "")(
  `a plugin's children die with a SIGKILLed gateway${sandboxSkipReason}`,
  () => {
    it("leaves no plugin process and no grandchild", async () => {
      const setup = hostileSetup();
      const child = spawn(
        process.execPath,
        [
          fixturePaths.bin,
          "serve",
          "--plugins",
          setup.pluginsDir,
          "--data",
          setup.dataDir,
          "--listen",
          "127.0.0.1:0",
          "--admin-listen",
          "127.0.0.1:0",
          "--python",
          python,
          "--log-level",
          "warn",
        ],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let text = "";
          child.stderr.on("data", (chunk: Buffer) => {
            text += chunk.toString();
            const match = /listening on (http:\/\/[\d.:]+)/.exec(text);
            if (match?.[1]) resolve(match[1]);
          });
          child.once("exit", (code) => reject(new Error(`gateway exited (${code}) before listening:\n${text}`)));
        });
        const marker = token();
        const response = await fetch(`${url}/polyplug.v1.Gateway/ExecuteCommand`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ line: `/fork ${marker}` }),
        });
        expect(response.status).toBe(200);
        expect(processesWith(`sleep ${marker}`)).toHaveLength(1);
        const pluginProcesses = processesWith(path.join(setup.pluginsDir, "hostile"));
        expect(pluginProcesses.length).toBeGreaterThan(0);
        child.kill("SIGKILL");
        expect(await waitNoProcessWith(`sleep ${marker}`)).toEqual([]);
        const left = await waitDead(pluginProcesses);
        expect(left).toEqual([]);
      } finally {
        child.kill("SIGKILL");
      }
    }, 60_000);
  },
);

/** Running (not a zombie waiting for its new parent to reap it). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function waitDead(pids: readonly number[]): Promise<number[]> {
  return waitUntilNone(() => pids.filter(isRunning));
}
