// The host core against a real go-plugin plugin (examples-go/internal/fixtures/hostfixture,
// built with hashicorp/go-plugin's plugin.Serve).
import type * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/index.js";
import {
  createRpcClient,
  startPlugin,
  addRpcService,
  POLYPLUG_HANDSHAKE,
  type PluginClient,
  type StartPluginOptions,
} from "../../src/entry/host.js";
import { HostCallback, HostFixture } from "@polyplug/sdk/internal/gen/polyplug/hostfixture/v1/host_fixture_pb.js";
import { captureLogs, eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

const running: PluginClient[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((plugin) => plugin.shutdown({ gracefulMs: 500, terminateMs: 500 })));
});

async function start(options: Partial<StartPluginOptions> = {}): Promise<PluginClient> {
  const plugin = await startPlugin({ command: fixturePaths.goHostFixture, startTimeoutMs: 20_000, ...options });
  running.push(plugin);
  return plugin;
}

async function startError(options: Partial<StartPluginOptions>): Promise<PolyplugError> {
  try {
    await start(options);
  } catch (error) {
    expect(error).toBeInstanceOf(PolyplugError);
    return error as PolyplugError;
  }
  throw new Error("the plugin started, but a failure was expected");
}

describe.each([
  ["plaintext", false],
  ["AutoMTLS", true],
])("go-plugin plugin over a unix socket, %s", (_name, autoMtls) => {
  it("completes the handshake, answers health and an application call, and shuts down gracefully", async () => {
    const plugin = await start({ autoMtls });
    expect(plugin.handshake).toMatchObject({
      coreProtocolVersion: 1,
      appProtocolVersion: 1,
      network: "unix",
      protocol: "grpc",
    });
    expect(plugin.mtls).toBe(autoMtls);
    expect(plugin.handshake.serverCertDer !== undefined).toBe(autoMtls);
    expect(await plugin.health()).toBe("SERVING");
    expect(await plugin.client(HostFixture).echo({ message: "hi" })).toMatchObject({ message: "v1:hi" });
    running.pop();
    expect(await plugin.shutdown()).toBe("graceful");
    expect(plugin.exitInfo).toEqual({ exitCode: 0, signal: undefined });
  });

  it("serves a host callback through the broker that the plugin dials", async () => {
    const plugin = await start({ autoMtls });
    const id = plugin.broker.nextId();
    await plugin.broker.acceptAndServe(id, addGreeter);
    const answer = await plugin.client(HostFixture).callHost({ brokerId: id, name: "Ada" });
    expect(answer.greeting).toBe("hello, Ada");
  });

  it("dials a service the plugin serves on a broker id", async () => {
    const plugin = await start({ autoMtls });
    const { brokerId } = await plugin.client(HostFixture).serveOnBroker({});
    expect(brokerId).toBeGreaterThan(0);
    const brokered = await plugin.broker.dial(brokerId);
    const viaBroker = createRpcClient(HostFixture, brokered);
    expect((await viaBroker.echo({ message: "brokered" })).message).toBe("v1:brokered");
  });
});

function addGreeter(server: grpc.Server): void {
  addRpcService(server, HostCallback, { greet: (request) => ({ greeting: `hello, ${request.name}` }) });
}

describe("version negotiation", () => {
  it("picks the highest version both sides speak", async () => {
    const plugin = await start({
      env: { FIXTURE_VERSIONS: "2,5" },
      handshake: { ...POLYPLUG_HANDSHAKE, protocolVersions: [1, 2, 3] },
    });
    expect(plugin.handshake.appProtocolVersion).toBe(2);
    expect((await plugin.client(HostFixture).echo({ message: "x" })).message).toBe("v2:x");
  });

  it("fails clearly when there is no common version", async () => {
    const error = await startError({
      env: { FIXTURE_VERSIONS: "7,8" },
      handshake: { ...POLYPLUG_HANDSHAKE, protocolVersions: [1, 2] },
    });
    expect(error.code).toBe(ErrorCode.IncompatibleVersion);
    expect(error.message).toMatch(/plugin chose 7, this host offered \[1, 2\]/);
  });
});

describe("plugin output", () => {
  it("turns hclog lines into structured records and stdio writes into records too", async () => {
    const { logger, records } = captureLogs();
    const plugin = await start({ logger, env: { FIXTURE_LOG_ON_START: "1" } });
    expect(records).toContainEqual(
      expect.objectContaining({ level: 30, msg: "fixture started", fixture: true, source: "stderr" }),
    );
    await plugin
      .client(HostFixture)
      .write({ stdout: "to stdout\n", stderr: "to stderr\n", logLevel: "warn", logMessage: "careful" });
    await eventually(
      () => records.some((r) => r.msg === "to stdout" && r.source === "grpc-stdout"),
      5000,
      "stdio stdout line",
    );
    await eventually(
      () => records.some((r) => r.msg === "to stderr" && r.source === "grpc-stderr"),
      5000,
      "stdio stderr line",
    );
    await eventually(() => records.some((r) => r.msg === "careful" && r.level === 40), 5000, "hclog warn line");
  });

  it("rate-limits a stderr flood instead of buffering it", async () => {
    const { logger, records } = captureLogs();
    const started = performance.now();
    const plugin = await start({
      logger,
      env: { FIXTURE_STDERR_FLOOD: "20000" },
      logRateLimit: { linesPerSecond: 100, burst: 100 },
    });
    expect(await plugin.health()).toBe("SERVING");
    const floodRecords = records.filter((r) => typeof r.msg === "string" && r.msg.startsWith("flood"));
    // The bucket's bound for the time that passed (a loaded machine may take seconds to get here),
    // not a fixed count: the burst plus the rate per elapsed second, far below the 20,000 lines sent.
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(floodRecords.length).toBeLessThanOrEqual(100 + Math.ceil(100 * elapsedSeconds));
    expect(floodRecords.length).toBeLessThan(20_000);
    await plugin.client(HostFixture).write({ logLevel: "info", logMessage: "after flood" });
    await eventually(() => records.some((r) => typeof r.suppressedLines === "number"), 5000, "suppressed-lines report");
  });
});

describe("shutdown", () => {
  it.each([
    ["hang", "terminated"],
    ["hang-ignore-term", "killed"],
  ])("escalates when the plugin keeps running after Shutdown (%s → %s)", async (mode, outcome) => {
    const plugin = await startPlugin({ command: fixturePaths.goHostFixture, env: { FIXTURE_AFTER_SERVE: mode } });
    expect(await plugin.shutdown({ gracefulMs: 300, terminateMs: 300 })).toBe(outcome);
    expect(plugin.exitInfo?.signal).toBe(outcome === "terminated" ? "SIGTERM" : "SIGKILL");
  });

  it("is idempotent", async () => {
    const plugin = await startPlugin({ command: fixturePaths.goHostFixture });
    const [a, b] = await Promise.all([plugin.shutdown(), plugin.shutdown()]);
    expect(a).toBe("graceful");
    expect(b).toBe("graceful");
  });
});

describe("faults", () => {
  it("reports a crash mid-call with the exit code and the last stderr lines", async () => {
    const plugin = await start();
    const call = plugin.client(HostFixture).crash({ exitCode: 0 });
    await expect(call).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    const { info, error } = await plugin.exited;
    expect(info.exitCode).toBe(2); // a Go panic
    expect(error?.code).toBe(ErrorCode.PluginExited);
    expect(error?.message).toMatch(/panic/);
  });

  it("propagates deadlines and cancellation into the plugin call", async () => {
    const plugin = await start();
    await expect(plugin.client(HostFixture).sleep({ durationMs: 5000 }, { deadline: 100 })).rejects.toMatchObject({
      code: ErrorCode.DeadlineExceeded,
    });
    const controller = new AbortController();
    const call = plugin.client(HostFixture).sleep({ durationMs: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(await plugin.health()).toBe("SERVING");
  });

  it("surfaces go-plugin's own message when the cookie is wrong", async () => {
    const error = await startError({ handshake: { ...POLYPLUG_HANDSHAKE, magicCookieValue: "wrong" } });
    expect(error.code).toBe(ErrorCode.PluginExited);
    expect(error.message).toMatch(/exit code 1/);
    expect(error.message).toMatch(/This binary is a plugin\. These are not meant to be executed directly\./);
  });
});
