// The gateway end to end with real plugin processes (examples-go/bin/scripted, built on
// the Go SDK and hashicorp/go-plugin): chains, failure modes, supervision, KV, commands.
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { ErrorCode } from "../../src/errors.js";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/runtime/gateway.js";
import { eventually } from "../log-capture.js";
import { signalTree } from "../process-tree.js";
import { dataDir, scriptedPluginsDir, type ScriptedPlugin } from "./scripted-plugins.js";

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

async function gatewayWith(plugins: ScriptedPlugin[], options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gateway = await createGateway({
    pluginsDirs: [scriptedPluginsDir(plugins)],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    policy: { restartBaseMs: 50, restartMaxMs: 200, healthIntervalMs: 60_000 },
    ...options,
  });
  gateways.push(gateway);
  return gateway;
}

const script = (steps: Record<string, string>) => ({ text: "hello", script: steps });

describe("intercept chains", () => {
  it("runs in priority order, then id order, each plugin seeing the previous output", async () => {
    const gateway = await gatewayWith([
      { id: "p.c", priority: 20 },
      { id: "p.a", priority: 10 },
      { id: "p.b", priority: 20 },
    ]);
    const verdict = await gateway.dispatcher.intercept(
      "test.chain",
      script({ "p.a": "modify", "p.b": "modify", "p.c": "modify" }),
    );
    expect(verdict.allowed).toBe(true);
    expect(verdict.modified).toBe(true);
    expect(verdict.payload.trail).toEqual(["p.a", "p.b", "p.c"]);
    expect(verdict.steps.map((s) => [s.pluginId, s.outcome])).toEqual([
      ["p.a", "modify"],
      ["p.b", "modify"],
      ["p.c", "modify"],
    ]);
  });

  it("stops at the first reject and names the plugin and its reason", async () => {
    const gateway = await gatewayWith([
      { id: "p.a", priority: 1 },
      { id: "p.b", priority: 2 },
      { id: "p.c", priority: 3 },
    ]);
    const verdict = await gateway.dispatcher.intercept(
      "test.chain",
      script({ "p.a": "modify", "p.b": "reject:too rude", "p.c": "modify" }),
    );
    expect(verdict.allowed).toBe(false);
    expect(verdict.rejection).toMatchObject({ pluginId: "p.b", reason: "too rude", code: "scripted", failure: false });
    expect(verdict.steps.map((s) => s.pluginId)).toEqual(["p.a", "p.b"]);
  });

  it.each([
    ["a handler error", "fail", "plugin_failed"],
    ["a timeout", "stall:1500", "deadline_exceeded"],
    ["a crash mid-call", "crash", "unavailable"],
  ])("lets %s through when fail-open and rejects when fail-closed", async (_name, step, code) => {
    const gateway = await gatewayWith([
      { id: "p.open", priority: 1, onFailure: "open", interceptTimeoutMs: 300 },
      { id: "p.closed", priority: 2, onFailure: "closed", interceptTimeoutMs: 300 },
    ]);
    const open = await gateway.dispatcher.intercept("test.fail", script({ "p.open": step }));
    expect(open.allowed).toBe(true);
    expect(open.steps[0]).toMatchObject({ pluginId: "p.open", outcome: "failed-open", error: { code } });
    const closed = await gateway.dispatcher.intercept("test.fail", script({ "p.closed": step }));
    expect(closed.allowed).toBe(false);
    expect(closed.rejection).toMatchObject({ pluginId: "p.closed", failure: true, code });
    expect(closed.steps.at(-1)).toMatchObject({ pluginId: "p.closed", outcome: "failed-closed" });
  });

  it("rejects bad input with clear codes and lets topics nobody subscribes to through", async () => {
    const gateway = await gatewayWith([{ id: "p.a" }]);
    await expect(gateway.dispatcher.intercept("Not A Topic", {})).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(gateway.dispatcher.intercept("test.big", { blob: "x".repeat(9 * 1024 * 1024) })).rejects.toMatchObject(
      {
        code: ErrorCode.ResourceExhausted,
        message: expect.stringMatching(/over the limit of 8388608 bytes/),
      },
    );
    const nobody = await gateway.dispatcher.intercept("other.topic", { a: 1 });
    expect(nobody).toMatchObject({ allowed: true, modified: false, steps: [] });
  });
});

describe("supervision", () => {
  it("restarts a plugin that crashed, with backoff, and it serves again", async () => {
    const gateway = await gatewayWith([{ id: "p.a", interceptTimeoutMs: 2000 }]);
    const pid = gateway.plugins()[0]?.pid;
    const before = gateway.dispatcher.plugins.get("p.a");
    expect(gateway.dispatcher.plugins.get("p.a")).toBe(before); // one ActivePlugin per session, not one per step
    const member = gateway.dispatcher.plugins.members()[0];
    expect(gateway.dispatcher.plugins.members()[0]).toBe(member); // and one ChainMember while nothing changed
    await gateway.dispatcher.intercept("test.crash", script({ "p.a": "crash" }));
    await eventually(
      () => gateway.plugins()[0]?.state === "active" && gateway.plugins()[0]?.pid !== pid,
      10_000,
      "restart",
    );
    expect(gateway.plugins()[0]).toMatchObject({ restarts: 1, lastError: { code: ErrorCode.PluginExited } });
    const after = gateway.dispatcher.plugins.get("p.a");
    expect(after?.session).toBeDefined();
    expect(after?.session).not.toBe(before?.session); // the restarted plugin's session, not the dead one's
    expect(gateway.dispatcher.plugins.members()[0]?.description).not.toBe(member?.description); // its new Describe answer
    const verdict = await gateway.dispatcher.intercept("test.after", script({ "p.a": "modify" }));
    expect(verdict.payload.trail).toEqual(["p.a"]);
  });

  it("parks a crash-looping plugin in failed until an operator acts", async () => {
    const gateway = await gatewayWith([{ id: "p.loop", env: { SCRIPTED_CRASH_ON_START: "1" } }], {
      policy: { restartBaseMs: 20, restartMaxMs: 50, crashLoopFailures: 2 },
    });
    await eventually(() => gateway.plugins()[0]?.state === "failed", 15_000, "failed state");
    const status = gateway.plugins()[0];
    expect(status?.lastError?.message).toMatch(/exit code 3/);
    expect(status?.lastError?.message).toMatch(/crashing on start as configured/);
  });

  it("detects a hung (SIGSTOPped) plugin from hook deadlines plus failed health checks and restarts it", async () => {
    const gateway = await gatewayWith([{ id: "p.hang", interceptTimeoutMs: 200 }], {
      policy: { unhealthyAfter: 2, restartBaseMs: 50, healthIntervalMs: 60_000, healthTimeoutMs: 300 },
    });
    const pid = gateway.plugins()[0]?.pid as number;
    signalTree(pid, "SIGSTOP");
    try {
      // Each missed deadline makes a health check; two failed checks in a row restart it.
      await eventually(
        () => {
          void gateway.dispatcher.intercept("test.hang", script({ "p.hang": "proceed" }));
          return gateway.plugins()[0]?.state === "active" && gateway.plugins()[0]?.pid !== pid;
        },
        20_000,
        `restart after hang: ${JSON.stringify(gateway.plugins())}`,
      );
    } finally {
      signalTree(pid, "SIGKILL");
    }
    expect(gateway.plugins()[0]?.lastError?.code).toBe(ErrorCode.Unhealthy);
    expect(gateway.plugins()[0]?.lastError?.message).toMatch(/health check failed/);
  });

  it("does not restart a plugin that is only busy: deadline misses while it answers its health check are no strikes", async () => {
    const gateway = await gatewayWith([{ id: "p.busy", interceptTimeoutMs: 100 }], {
      policy: { unhealthyAfter: 2, crashLoopFailures: 1, restartBaseMs: 50, healthIntervalMs: 60_000 },
    });
    const pid = gateway.plugins()[0]?.pid;
    // A flood: every call is answered late (stall) or refused at the per-plugin in-flight limit.
    const codes = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      const verdicts = await Promise.all(
        Array.from({ length: 400 }, () => gateway.dispatcher.intercept("test.busy", script({ "p.busy": "stall:300" }))),
      );
      for (const verdict of verdicts)
        for (const step of verdict.steps)
          codes.set(step.error?.code ?? step.outcome, (codes.get(step.error?.code ?? step.outcome) ?? 0) + 1);
    }
    expect([...codes.keys()].sort()).toEqual([ErrorCode.DeadlineExceeded, ErrorCode.ResourceExhausted]);
    await eventually(() => (gateway.plugins()[0]?.busyDeadlineMisses ?? 0) > 0, 10_000, "a health check after a miss");
    expect(gateway.plugins()[0]).toMatchObject({ state: "active", pid, restarts: 0, recentFailures: 0 });
    expect((await gateway.dispatcher.intercept("test.busy", script({ "p.busy": "proceed" }))).steps[0]?.outcome).toBe(
      "proceed",
    );
  });

  it("disables and re-enables a plugin, and remembers the choice", async () => {
    const gateway = await gatewayWith([{ id: "p.a" }]);
    await gateway.disable("p.a");
    expect(gateway.plugins()[0]).toMatchObject({ state: "not-running", enabled: false });
    expect((await gateway.dispatcher.intercept("test.x", script({ "p.a": "modify" }))).steps).toEqual([]);
    await gateway.enable("p.a");
    expect(gateway.plugins()[0]).toMatchObject({ state: "active", enabled: true });
  });
});

describe("KV through the gateway API", () => {
  it("isolates plugins from each other and survives a gateway restart", async () => {
    const plugins = [{ id: "p.a" }, { id: "p.b" }];
    const data = dataDir();
    const dir = scriptedPluginsDir(plugins);
    const options = { pluginsDirs: [dir], dataDir: data, port: 0, logger: pino({ level: "silent" }) };
    const first = await createGateway(options);
    // p.a runs first and answers; its answer has no "kv" request left, so p.b's step fails open.
    const set = await first.dispatcher.intercept("test.kv", { kv: { op: "set", key: "greeting", value: "hi" } });
    expect(set.payload).toMatchObject({ op: "set", result: true });
    await first.stop();

    const second = await createGateway(options);
    gateways.push(second);
    const a = await second.dispatcher.intercept("test.kv", { kv: { op: "get", key: "greeting" } });
    expect(a.payload).toMatchObject({ found: true, result: "hi" });
    expect(Buffer.from((await second.store.kvGet("p.a", "greeting"))?.value ?? []).toString()).toBe("hi");
    expect(await second.store.kvGet("p.b", "greeting")).toBeUndefined();
  });

  it('refuses KV to a real plugin whose manifest does not ask for "kv", naming the permission', async () => {
    const gateway = await gatewayWith([{ id: "p.a", api: ["log", "config"] }]);
    const set = await gateway.dispatcher.intercept("test.kv", { kv: { op: "set", key: "greeting", value: "hi" } });
    expect(JSON.stringify(set)).toContain(
      'plugin p.a has no permission \\"kv\\" (KvSet); add it to permissions.api in plugin.json',
    );
    expect(await gateway.store.kvGet("p.a", "greeting")).toBeUndefined();
  });

  it("counts notifications with compare-and-set, never blocking the caller", async () => {
    const gateway = await gatewayWith([{ id: "p.a" }, { id: "p.b" }]);
    const receipts = Array.from({ length: 20 }, () => gateway.dispatcher.notify("test.joined", { user: "ann" }));
    expect(receipts[0]?.queuedFor).toEqual(["p.a", "p.b"]);
    await gateway.dispatcher.drained();
    const count = async (ns: string) =>
      Buffer.from((await gateway.store.kvGet(ns, "notified:test.joined"))?.value ?? []).toString();
    expect(await count("p.a")).toBe("20");
    expect(await count("p.b")).toBe("20");
  });
});

describe("commands", () => {
  it("routes a command to the plugin that registered it and reports two plugins claiming one name", async () => {
    const gateway = await gatewayWith([
      { id: "p.a", command: "alpha" },
      { id: "p.b", command: "shared" },
      { id: "p.c", command: "shared" },
    ]);
    const answer = await gateway.dispatcher.executeCommand("alpha", ["x", "y"], "/alpha x y");
    expect(answer).toMatchObject({ pluginId: "p.a", text: "p.a", data: { args: ["x", "y"] } });
    await expect(gateway.dispatcher.executeCommand("shared", [], "/shared")).rejects.toMatchObject({
      code: ErrorCode.FailedPrecondition,
      message: expect.stringMatching(/claimed by several plugins \(p\.b, p\.c\)/),
    });
    await expect(gateway.dispatcher.executeCommand("nobody", [], "/nobody")).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });
});
