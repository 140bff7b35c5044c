import { createRpcClient } from "polyplug/host";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail, show } from "../../check-outcome.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { GRPCBroker } from "@polyplug/sdk/internal/gen/plugin/grpc_broker_pb.js";
import { GRPCStdio } from "@polyplug/sdk/internal/gen/plugin/grpc_stdio_pb.js";
import { nextWithin, rawClient, sleep, spawnUntilHandshake } from "../raw-connection.js";

/** Health `plugin` answers SERVING through the host core. */
export const healthServing: CheckFunction = async (ctx) => {
  const plugin = await ctx.start();
  assertEqual(await plugin.health(5000), "SERVING", 'grpc.health.v1.Health/Check for service "plugin"');
};

/** GRPCController/Shutdown: the process exits with status 0 within the limit. */
export const controllerShutdown: CheckFunction = async (ctx) => {
  const plugin = await ctx.start();
  const limit = Number(ctx.spec.expect.within_ms ?? 2000);
  const started = Date.now();
  const outcome = await plugin.shutdown({ gracefulMs: limit, terminateMs: 1000 });
  ctx.trace("shutdown", { outcome, ms: Date.now() - started, exit: plugin.exitInfo });
  assertEqual(
    outcome,
    "graceful",
    `shutdown outcome (the plugin must exit on its own within ${limit} ms of GRPCController/Shutdown)`,
  );
  assertEqual(plugin.exitInfo?.exitCode, 0, "exit status after Shutdown");
};

/** SIGINT is ignored: the process keeps serving. */
export const sigintIgnored: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  // go-plugin installs its SIGINT handler right after printing the handshake: allow a moment.
  await sleep(Number(ctx.spec.params.after_handshake_ms ?? 200));
  raw.child.kill("SIGINT");
  const exit = await raw.waitExit(Number(ctx.spec.params.wait_ms ?? 700));
  if (exit)
    fail(`the plugin exited on SIGINT (${show(exit)}); it must ignore SIGINT so that the gateway stops it in order`);
  const status = await createRpcClient(Health, rawClient(ctx, handshake)).check(
    { service: "plugin" },
    { deadline: 3000 },
  );
  assertEqual(HealthCheckResponse_ServingStatus[status.status], "SERVING", "health after SIGINT");
};

/** SIGTERM ends the process promptly. */
export const sigtermExits: CheckFunction = async (ctx) => {
  const { raw } = await spawnUntilHandshake(ctx);
  const limit = Number(ctx.spec.expect.within_ms ?? 2000);
  raw.child.kill("SIGTERM");
  const exit = await raw.waitExit(limit);
  ctx.trace("exit after SIGTERM", exit);
  assert(exit, `the plugin was still running ${limit} ms after SIGTERM`);
};

/** plugin.GRPCBroker/StartStream is served and stays open, silent. */
export const brokerStream: CheckFunction = async (ctx) => {
  const { handshake } = await spawnUntilHandshake(ctx);
  const stream = createRpcClient(GRPCBroker, rawClient(ctx, handshake)).startStream();
  ctx.defer(() => stream.cancel());
  const first = await nextWithin(stream.responses[Symbol.asyncIterator](), Number(ctx.spec.params.observe_ms ?? 700));
  ctx.trace("broker stream", first);
  if (first.kind === "error")
    fail(
      `plugin.GRPCBroker/StartStream failed: ${first.error instanceof Error ? first.error.message : String(first.error)}`,
    );
  if (first.kind === "ended")
    fail("plugin.GRPCBroker/StartStream ended at once; it must stay open for the life of the connection");
  if (first.kind === "item")
    fail(
      `the plugin sent ConnInfo ${show(first.value)} on the broker stream unprompted; in version 1 it answers nothing`,
    );
};

/** plugin.GRPCStdio/StreamStdio is served, stays open, and any chunk is well-formed. */
export const stdioStream: CheckFunction = async (ctx) => {
  const { handshake } = await spawnUntilHandshake(ctx);
  const controller = new AbortController();
  ctx.defer(() => controller.abort());
  const iterator = createRpcClient(GRPCStdio, rawClient(ctx, handshake))
    .streamStdio({}, { signal: controller.signal })
    [Symbol.asyncIterator]();
  const deadline = Date.now() + Number(ctx.spec.params.observe_ms ?? 700);
  for (;;) {
    const next = await nextWithin(iterator, Math.max(1, deadline - Date.now()));
    if (next.kind === "open") return;
    if (next.kind === "error")
      fail(
        `plugin.GRPCStdio/StreamStdio failed: ${next.error instanceof Error ? next.error.message : String(next.error)}`,
      );
    if (next.kind === "ended")
      fail("plugin.GRPCStdio/StreamStdio ended at once; keep it open until the call is cancelled");
    const chunk = next.value;
    ctx.trace("stdio chunk", { channel: chunk.channel, bytes: chunk.data.length });
    assert(
      chunk.channel === 1 || chunk.channel === 2,
      `stdio chunk with channel ${chunk.channel}; only STDOUT (1) and STDERR (2) are valid`,
    );
    assert(chunk.data.length > 0, "an empty stdio chunk was sent; empty chunks are never sent");
  }
};

/** Nothing more on stdout after the handshake line while the plugin serves. */
export const noStrayStdout: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  await createRpcClient(Health, rawClient(ctx, handshake))
    .check({ service: "plugin" }, { deadline: 3000 })
    .catch(() => undefined);
  await sleep(Number(ctx.spec.params.observe_ms ?? 500));
  const rest = raw
    .stdout()
    .toString("utf8")
    .slice(handshake.line.length + 1);
  assertEqual(rest, "", "stdout after the handshake line (log to stderr or GRPCStdio instead)");
};

const LEVELS = new Set(["trace", "debug", "info", "warn", "error"]);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/** Logs on stderr are hclog JSON: string @level/@message, six-digit @timestamp. */
export const hclogLines: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  await createRpcClient(Health, rawClient(ctx, handshake))
    .check({ service: "plugin" }, { deadline: 3000 })
    .catch(() => undefined);
  await sleep(Number(ctx.spec.params.observe_ms ?? 300));
  const lines = raw
    .stderr()
    .split("\n")
    .filter((line) => line.trim() !== "");
  ctx.trace("stderr lines", lines.slice(0, 20));
  let structured = 0;
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      fail(`stderr line looks like JSON but does not parse: ${line.slice(0, 200)}`);
    }
    assert(
      typeof record["@level"] === "string" && LEVELS.has(record["@level"]),
      `@level must be one of trace/debug/info/warn/error as a string: ${line.slice(0, 200)}`,
    );
    assert(typeof record["@message"] === "string", `@message must be a string: ${line.slice(0, 200)}`);
    if ("@timestamp" in record)
      assert(
        typeof record["@timestamp"] === "string" && TIMESTAMP.test(record["@timestamp"]),
        `@timestamp must look like 2026-05-01T12:34:56.123456Z: ${line.slice(0, 200)}`,
      );
    structured++;
  }
  assert(
    structured > 0,
    `no hclog JSON line on stderr (${lines.length} plain lines); a plugin declaring "hclog" logs at least its start as JSON`,
  );
};
