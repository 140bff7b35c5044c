// Public-port workers (serve config `workers`): N worker processes share the public port, each
// with its own connections to every plugin; supervision stays in the gateway process. Real
// processes throughout: Go scripted plugins, cluster workers, HTTP over fresh connections
// (handed out round-robin, so consecutive requests reach every worker).
import http from "node:http";
import { subscribeEvents } from "../event-socket.js";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/runtime/gateway.js";
import { captureLogs, eventually } from "../log-capture.js";
import { dataDir, scriptedPluginsDir, type ScriptedPlugin } from "../runtime/scripted-plugins.js";

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

async function gatewayWith(plugins: readonly ScriptedPlugin[], options: Partial<GatewayOptions> = {}) {
  const { logger, records } = captureLogs();
  const gateway = await createGateway({
    pluginsDirs: [scriptedPluginsDir(plugins)],
    dataDir: dataDir(),
    port: 0,
    logger,
    workers: 2,
    policy: { restartBaseMs: 50, restartMaxMs: 200, healthIntervalMs: 60_000, crashLoopFailures: 3 },
    ...options,
  });
  gateways.push(gateway);
  return { gateway, records };
}

interface Answer {
  readonly allowed: boolean;
  readonly payload: Record<string, unknown>;
  readonly rejection?: {
    readonly pluginId: string;
    readonly reason: string;
    readonly code: string;
    readonly failure: boolean;
  };
  readonly steps: readonly { readonly pluginId: string; readonly outcome: string }[];
}

/** POSTs an Intercept as Connect JSON on a connection of its own. */
function intercept(url: string, topic: string, payload: unknown): Promise<Answer> {
  const body = JSON.stringify({ topic, payload });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/polyplug.v1.Gateway/Intercept`,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text) as Answer);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** `count` Intercepts one after the other, each on a fresh connection. */
async function interceptMany(url: string, count: number, topic: string, payload: unknown): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await intercept(url, topic, payload));
  return answers;
}

/** Waits until every worker reported having served at least `calls` calls. */
async function everyWorkerServed(gateway: Gateway, calls: number, what: string): Promise<void> {
  await eventually(() => gateway.workers().every((w) => w.calls >= calls), 10_000, what);
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const CHAIN: ScriptedPlugin[] = [
  { id: "w.first", priority: 1 },
  { id: "w.second", priority: 2 },
  { id: "w.third", priority: 3 },
];
const MODIFY_ALL = { script: { "w.first": "modify", "w.second": "modify", "w.third": "modify" } };

describe("workers: 2", () => {
  it("answers ordered chains (modify, reject) from every worker, with its hook calls in the gateway's metrics", async () => {
    const { gateway } = await gatewayWith(CHAIN);
    expect(gateway.workers().map((w) => w.state)).toEqual(["ready", "ready"]);
    expect(new URL(gateway.url).port).not.toBe(String(gateway.publicServer.port));
    for (const answer of await interceptMany(gateway.url, 6, "test.chain", MODIFY_ALL)) {
      expect(answer.allowed).toBe(true);
      expect(answer.payload.trail).toEqual(["w.first", "w.second", "w.third"]);
    }
    const rejected = await interceptMany(gateway.url, 4, "test.chain", {
      script: { "w.first": "modify", "w.second": "reject:no thanks" },
    });
    for (const answer of rejected) {
      expect(answer).toMatchObject({
        allowed: false,
        rejection: { pluginId: "w.second", reason: "no thanks", failure: false },
      });
      expect(answer.steps.map((s) => s.outcome)).toEqual(["CHAIN_STEP_OUTCOME_MODIFY", "CHAIN_STEP_OUTCOME_REJECT"]);
    }
    await everyWorkerServed(gateway, 3, "both workers serving");
    // The workers' hook calls reach the gateway's metrics (reported every 250 ms).
    await eventually(() => gateway.workers().length === 2, 10_000);
    let metrics = "";
    const wanted = /polyplug_hook_calls_total\{plugin_id="w\.first",hook="intercept",outcome="modify"\} 10/;
    const until = Date.now() + 10_000;
    while (!wanted.test(metrics) && Date.now() < until) {
      metrics = await gateway.metrics.render();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(metrics).toMatch(wanted);
    expect(metrics).toMatch(/polyplug_workers\{state="ready"\} 2/);
  }, 60_000);

  it("applies each step's deadline in the workers: a plugin past it is a failed step, the chain goes on", async () => {
    const { gateway, records } = await gatewayWith([
      { id: "w.slow", priority: 1, interceptTimeoutMs: 300 },
      { id: "w.after", priority: 2 },
    ]);
    // "stall", not "sleep": a sleeping plugin gives up at the deadline we send it and answers
    // Proceed; on a loaded machine that answer can be read before the worker's own timer for
    // the same deadline runs, and the step is a Proceed (6 of 30 such calls under two CPU
    // hogs). A stalled plugin's stream is reset by grpc-go at that deadline, which the client
    // reads as the deadline whoever notices first (sdk/src/rpc/client.ts, unaryFailure).
    const answers = await interceptMany(gateway.url, 2, "test.slow", {
      script: { "w.slow": "stall:3000", "w.after": "modify" },
    });
    for (const answer of answers) {
      expect(answer.allowed).toBe(true);
      expect(answer.payload.trail).toEqual(["w.after"]);
      expect(answer.steps.map((s) => [s.pluginId, s.outcome])).toEqual([
        ["w.slow", "CHAIN_STEP_OUTCOME_FAILED_OPEN"],
        ["w.after", "CHAIN_STEP_OUTCOME_MODIFY"],
      ]);
      expect(JSON.stringify(answer.steps[0])).toContain("deadline_exceeded");
    }
    // The worker's deadline miss reached the gateway's supervisor, which probed the plugin: busy, not hung.
    await eventually(
      () =>
        records.some(
          (r) => r.pluginId === "w.slow" && /ran past its deadline but the plugin answers its health check/.test(r.msg),
        ),
      10_000,
      "the supervisor's probe",
    );
    expect(gateway.plugin("w.slow").state).toBe("active");
  }, 60_000);

  it("serves commands, plugin HTTP routes and WebSocket events from the workers too", async () => {
    const { gateway } = await gatewayWith([{ id: "w.cmd", command: "whoami" }]);
    const command = await fetch(`${gateway.url}/polyplug.v1.Gateway/ExecuteCommand`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ line: "/whoami" }),
    });
    expect(command.status).toBe(200);
    expect(await command.json()).toMatchObject({ pluginId: "w.cmd", text: "w.cmd" });
    const route = await fetch(`${gateway.url}/plugins/w.cmd/big?bytes=100000`);
    expect(route.status).toBe(200);
    expect((await route.text()).length).toBe(100_000);
    // Two clients, one per worker (connections alternate): a plugin's event reaches both.
    const clients = await Promise.all([0, 1].map(() => subscribeEvents(gateway.url)));
    const notified = await fetch(`${gateway.url}/polyplug.v1.Gateway/Notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "test.ws", payload: {} }),
    });
    expect(notified.status).toBe(200);
    await eventually(
      () => clients.every(({ events }) => events.some((frame) => frame.event === "w.cmd.notified")),
      10_000,
      "the event on both clients",
    );
    for (const { socket } of clients) socket.close();
  }, 60_000);

  it("uses the gateway's plugin transport in the workers too (node:http2 fallback)", async () => {
    const { gateway } = await gatewayWith(CHAIN, { pluginTransport: "node-http2" });
    for (const answer of await interceptMany(gateway.url, 4, "test.chain", MODIFY_ALL))
      expect(answer.payload.trail).toEqual(["w.first", "w.second", "w.third"]);
    await everyWorkerServed(gateway, 2, "both workers serving");
  }, 60_000);

  it("reconnects every worker to a plugin the gateway restarted after it was killed", async () => {
    const { gateway } = await gatewayWith(CHAIN);
    await interceptMany(gateway.url, 4, "test.chain", MODIFY_ALL);
    const pid = gateway.plugin("w.second").pid as number;
    process.kill(pid, "SIGKILL");
    await eventually(
      () => gateway.plugin("w.second").pid !== pid && gateway.plugin("w.second").state === "active",
      20_000,
      "w.second restarted",
    );
    // The workers get the new session from the gateway and open their own connections to it.
    await eventually(() => gateway.workers().every((w) => w.state === "ready"), 20_000, "both workers ready");
    const before = gateway.workers().map((w) => w.calls);
    const answers = await interceptMany(gateway.url, 6, "test.chain", MODIFY_ALL);
    for (const answer of answers) expect(answer.payload.trail).toEqual(["w.first", "w.second", "w.third"]);
    await eventually(
      () => gateway.workers().every((w, i) => w.calls >= (before[i] ?? 0) + 3),
      10_000,
      "both workers answered after the restart",
    );
  }, 60_000);

  it("rejects in every worker while a fail-closed plugin is parked, and lets events through again after an operator restart", async () => {
    const { gateway } = await gatewayWith(
      [
        { id: "w.open", priority: 1 },
        { id: "w.guard", priority: 2, onFailure: "closed" },
      ],
      { policy: { crashLoopFailures: 0, restartBaseMs: 50 } },
    );
    const pid = gateway.plugin("w.guard").pid as number;
    process.kill(pid, "SIGKILL");
    await eventually(() => gateway.plugin("w.guard").state === "failed", 20_000, "w.guard parked after one crash");
    const before = gateway.workers().map((w) => w.calls);
    const answers = await interceptMany(gateway.url, 8, "test.guarded", { script: {} });
    for (const answer of answers) {
      expect(answer).toMatchObject({
        allowed: false,
        rejection: { pluginId: "w.guard", code: "unavailable", failure: true },
      });
      expect(answer.rejection?.reason).toMatch(/unavailable \(failed\)/);
    }
    await eventually(
      () => gateway.workers().every((w, i) => w.calls >= (before[i] ?? 0) + 4),
      10_000,
      "both workers rejected",
    );
    await gateway.restart("w.guard");
    await eventually(() => gateway.plugin("w.guard").state === "active", 20_000, "w.guard active again");
    for (const answer of await interceptMany(gateway.url, 4, "test.guarded", { script: {} }))
      expect(answer.allowed).toBe(true);
  }, 60_000);

  it("restarts a worker that crashed, visibly (status, metrics, logs), and keeps answering", async () => {
    const { gateway, records } = await gatewayWith([{ id: "w.only" }]);
    const victim = gateway.workers()[0]?.pid as number;
    process.kill(victim, "SIGKILL");
    await eventually(
      () =>
        records.some((r) => r.level >= 50 && /public-port worker 0 exited unexpectedly \(signal SIGKILL\)/.test(r.msg)),
      10_000,
      "the crash logged",
    );
    await eventually(
      () => gateway.workers()[0]?.state === "ready" && gateway.workers()[0]?.pid !== victim,
      30_000,
      "worker 0 restarted",
    );
    expect(gateway.workers()[0]).toMatchObject({ restarts: 1, lastExit: "signal SIGKILL" });
    expect(await gateway.metrics.render()).toMatch(/polyplug_worker_restarts_total\{worker="0"\} 1/);
    for (const answer of await interceptMany(gateway.url, 4, "test.x", { script: { "w.only": "modify" } }))
      expect(answer.payload.trail).toEqual(["w.only"]);
    await everyWorkerServed(gateway, 1, "the new worker serving");
  }, 60_000);

  it("leaves no worker, plugin or listening port behind when it stops", async () => {
    const { gateway } = await gatewayWith(CHAIN);
    await interceptMany(gateway.url, 2, "test.chain", MODIFY_ALL);
    const pids = [...gateway.workers().map((w) => w.pid as number), ...gateway.plugins().map((p) => p.pid as number)];
    expect(pids.every(isAlive)).toBe(true);
    await gateway.stop();
    await eventually(() => pids.every((pid) => !isAlive(pid)), 10_000, "every worker and plugin process gone");
    expect(gateway.workers().map((w) => w.state)).toEqual(["stopped", "stopped"]);
    await expect(intercept(gateway.url, "test.chain", MODIFY_ALL)).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});
