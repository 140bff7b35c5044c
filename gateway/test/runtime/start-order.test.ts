// Start-up order (issue 17): createGateway launches the plugins before its public server
// listens, so they boot meanwhile. When the public address is taken, the start fails with
// that error and leaves no plugin process behind (the plugins already launched are killed).
import { readFileSync } from "node:fs";
import net from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { childPids } from "../process-tree.js";
import { dataDir, scriptedPluginsDir } from "./scripted-plugins.js";

const servers: net.Server[] = [];
const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
  for (const server of servers.splice(0)) server.close();
});

/** This process's children running the scripted test plugin (directly or under its sandbox launcher). */
function pluginProcesses(): number[] {
  const all = (pid: number): number[] => childPids(pid).flatMap((child) => [child, ...all(child)]);
  return all(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("scripted");
    } catch {
      return false;
    }
  });
}

describe("gateway start order", () => {
  it("fails with the listen error and leaves no plugin process when the public port is taken", async () => {
    const taken = net.createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as net.AddressInfo;
    const start = createGateway({
      pluginsDirs: [scriptedPluginsDir([{ id: "p.a" }, { id: "p.b" }])],
      dataDir: dataDir(),
      host: "127.0.0.1",
      port,
      logger: pino({ level: "silent" }),
    });
    await expect(start).rejects.toThrow(/EADDRINUSE|in use/i);
    // A launch left running would spawn its plugin after the rejection: watch for a while
    // (a start takes well under this even on a loaded machine; absence has no event to wait on).
    for (const until = Date.now() + 3000; Date.now() < until; ) {
      expect(pluginProcesses()).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 60_000);

  it("still answers with every plugin once started (plugins launched before the public server listens)", async () => {
    const gateway = await createGateway({
      pluginsDirs: [scriptedPluginsDir([{ id: "p.a" }, { id: "p.b", priority: 200 }])],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
    });
    gateways.push(gateway);
    expect(gateway.plugins().map((p) => p.state)).toEqual(["active", "active"]);
    const answer = await fetch(`${gateway.url}/polyplug.v1.Gateway/Intercept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "test.hello", payload: { text: "hi" } }),
    });
    const json = (await answer.json()) as { allowed?: boolean; steps?: { pluginId: string; outcome: string }[] };
    expect(json.allowed).toBe(true);
    expect(json.steps?.map((s) => [s.pluginId, s.outcome])).toEqual([
      ["p.a", "CHAIN_STEP_OUTCOME_PROCEED"],
      ["p.b", "CHAIN_STEP_OUTCOME_PROCEED"],
    ]);
  }, 60_000);
});
