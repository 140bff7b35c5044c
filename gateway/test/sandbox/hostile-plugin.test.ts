// A hostile plugin (test/fixtures/hostile-plugin) tries every escape a stranger's plugin
// would: the admin token, the database, the data dir, another plugin's folder, the gateway's
// environment and process, the network, its own folder for writing, and its resource limits.
// Every attempt must fail the expected way.
import { createServer, type Server } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLUGIN_UID_BASE } from "../../src/host/sandbox/plugin-uid.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import {
  hostileSetup,
  pluginCgroupDirs,
  python,
  rootSkipReason,
  sandboxSkipReason,
  cgroupSkipReason,
  support,
  waitForPlugin,
} from "./sandbox-harness.js";
import { readFileSync } from "node:fs";
import path from "node:path";

const canary = `polyplug-canary-${process.pid}-${Date.now()}`;

describe.skipIf(sandboxSkipReason !== "")(`a hostile plugin in the sandbox${sandboxSkipReason}`, () => {
  let gateway: Gateway;
  let listener: Server;
  let setup: ReturnType<typeof hostileSetup>;

  beforeAll(async () => {
    process.env.POLYPLUG_SANDBOX_CANARY = canary;
    listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    setup = hostileSetup({
      targets: { port },
      limits: { memoryMiB: 128, processes: 64, openFiles: 64, cpuPercent: 20 },
    });
    gateway = await createGateway({
      pluginsDirs: [setup.pluginsDir],
      dataDir: setup.dataDir,
      port: 0,
      logger: pino({ level: "silent" }),
      interpreters: { python },
      policy: { restartBaseMs: 100 },
    });
    expect(gateway.plugin(setup.pluginId).state).toBe("active");
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    listener?.close();
    delete process.env.POLYPLUG_SANDBOX_CANARY;
  });

  it("cannot read the gateway's secrets, other plugins, its environment or process, nor reach the network", async () => {
    const { data } = await gateway.dispatcher.executeCommand("escape", [], "/escape");
    expect(data).toBeDefined();
    const r = data as Record<string, string | number>;
    expect(r.read_token).toMatch(/^denied: ENOENT/);
    expect(r.read_db).toMatch(/^denied: ENOENT/);
    expect(r.list_data_dir).toMatch(/^denied: ENOENT/);
    expect(r.read_other_plugin).toMatch(/^denied: ENOENT/);
    expect(r.list_other_plugins).toBe("ok: ['hostile']");
    // Its parent is bubblewrap's init in the plugin's own pid namespace, never the gateway.
    expect(r.parent_cmdline).not.toContain(setup.dataDir);
    expect(r.parent_cmdline).not.toContain(process.argv[1] ?? "vitest");
    expect(String(r.parent_environ)).not.toContain(canary);
    expect(String(r.every_environ)).not.toContain(canary);
    expect(String(r.own_environ)).not.toContain("POLYPLUG_SANDBOX_CANARY");
    expect(r.signal_gateway).toBe("denied: ESRCH");
    expect(r.connect_host).toMatch(/^denied: (ECONNREFUSED|ENETUNREACH)/);
    expect(r.write_own_folder).toBe("denied: EROFS");
    expect(r.read_own_folder).toMatch(/^ok: read \d+ bytes/);
  });

  it.skipIf(rootSkipReason !== "")(`runs under its own unprivileged uid${rootSkipReason}`, async () => {
    const { data } = await gateway.dispatcher.executeCommand("escape", [], "/escape");
    expect(Number(data?.uid)).toBeGreaterThanOrEqual(PLUGIN_UID_BASE);
  });

  it.skipIf(cgroupSkipReason !== "")(`cannot have more processes than its limit${cgroupSkipReason}`, async () => {
    const { text } = await gateway.dispatcher.executeCommand("processes", ["200"], "/processes 200");
    expect(text).toMatch(/^refused after \d+: EAGAIN$/);
    expect(Number(/after (\d+)/.exec(text)?.[1])).toBeLessThan(64);
  });

  it("cannot open more files than its limit", async () => {
    const { text } = await gateway.dispatcher.executeCommand("files", ["500"], "/files 500");
    expect(text).toMatch(/^refused after \d+: EMFILE$/);
    expect(Number(/after (\d+)/.exec(text)?.[1])).toBeLessThan(64);
  });

  it.skipIf(cgroupSkipReason !== "" || support.limits === "rlimit")(
    `is throttled to its CPU share${cgroupSkipReason}`,
    async () => {
      const { data } = await gateway.dispatcher.executeCommand("cpu", ["1.5"], "/cpu 1.5", { timeoutMs: 30_000 });
      // Two spinning processes at 20% of one core: never more than the quota (plus one period of slack), however idle the machine.
      expect(Number(data?.cpuSeconds)).toBeLessThanOrEqual(Number(data?.wallSeconds) * 0.2 + 0.25);
      const cpuDir = pluginCgroupDirs(setup.pluginId).find((dir) =>
        readFileSafe(path.join(dir, "cpu.stat")).includes("nr_throttled"),
      );
      expect(cpuDir, "the plugin's cgroup with a cpu.stat").toBeDefined();
      expect(Number(/nr_throttled (\d+)/.exec(readFileSafe(path.join(cpuDir ?? "", "cpu.stat")))?.[1])).toBeGreaterThan(
        0,
      );
    },
    60_000,
  );

  it.skipIf(cgroupSkipReason !== "")(
    `is killed at its memory limit, says so, and is restarted${cgroupSkipReason}`,
    async () => {
      const restartsBefore = gateway.plugin(setup.pluginId).restarts;
      await expect(
        gateway.dispatcher.executeCommand("memory", ["64"], "/memory 64", { timeoutMs: 30_000 }),
      ).rejects.toThrow();
      const failed = await waitForPlugin(
        gateway,
        setup.pluginId,
        (p) => p.lastError?.message.includes("killed: memory limit") === true,
      );
      expect(failed.lastError?.message).toContain("killed: memory limit 128 MiB");
      const back = await waitForPlugin(
        gateway,
        setup.pluginId,
        (p) => p.state === "active" && p.restarts > restartsBefore,
      );
      expect(back.state).toBe("active");
    },
    60_000,
  );
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
