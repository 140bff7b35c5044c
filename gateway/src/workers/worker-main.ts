// A public-port worker process (forked by worker-pool.ts through node:cluster): serves the
// public API on the shared listening socket with its own dispatcher and its own connections
// to every plugin, as the primary's plugin table says. It supervises nothing: plugin states,
// restarts, fail modes and parking come from the primary; hook timeouts go back to it.
import { pino } from "pino";
import { GatewayDispatcher, type HookCall } from "../dispatch/gateway-dispatcher.js";
import { FailurePolicy } from "../dispatch/failure-policy.js";
import { PolyplugError } from "../errors.js";
import { startPublicServer, type PublicServer } from "../surfaces/public-server.js";
import { startTracing } from "../tracing/start-tracing.js";
import { startYoungGenerationReclaim } from "../young-generation-reclaim.js";
import { MirroredPlugins } from "./mirrored-plugins.js";
import {
  WORKER_REPORT_INTERVAL_MS,
  type HookCallBatch,
  type PrimaryMessage,
  type WorkerInit,
  type WorkerMessage,
} from "./worker-protocol.js";

const send = (message: WorkerMessage): void => {
  if (process.connected) process.send?.(message);
};

/** Hook calls since the last report, by plugin, hook and outcome. */
class CallBatches {
  private batches = new Map<string, { call: Pick<HookCall, "pluginId" | "hook" | "outcome">; durations: number[] }>();

  add(call: HookCall): void {
    const key = `${call.pluginId}\u0000${call.hook}\u0000${call.outcome}`;
    const batch = this.batches.get(key);
    if (batch) batch.durations.push(call.durationMs);
    else
      this.batches.set(key, {
        call: { pluginId: call.pluginId, hook: call.hook, outcome: call.outcome },
        durations: [call.durationMs],
      });
  }

  take(): HookCallBatch[] {
    const taken = [...this.batches.values()].map(({ call, durations }) => ({
      ...call,
      durationsMs: Float64Array.from(durations),
    }));
    this.batches = new Map();
    return taken;
  }
}

let server: PublicServer | undefined;
let plugins: MirroredPlugins | undefined;
let failurePolicy: FailurePolicy | undefined;
let tracing: Awaited<ReturnType<typeof startTracing>>;
let stopping = false;
const calls = new CallBatches();
const answered = new Map<string, { pluginId: string; sessionKey: string }>();

function report(): void {
  if (!server) return;
  send({ type: "report", calls: calls.take(), answered: [...answered.values()], stats: server.stats() });
  answered.clear();
}

async function start(init: WorkerInit): Promise<void> {
  // Records go to the primary's logger (its destination, format and operators' log stream).
  const logger = pino(
    { level: init.logLevel, base: { pid: process.pid, worker: init.index } },
    { write: (line: string) => send({ type: "log", line }) },
  );
  // Synchronous up to the first await: the table the primary sends right after init lands here.
  failurePolicy = new FailurePolicy(init.failurePolicy);
  plugins = new MirroredPlugins(
    {
      timeout: (timeout) => send({ type: "hook-timeout", report: timeout }),
      answered: (pluginId, sessionKey) => answered.set(pluginId, { pluginId, sessionKey }),
    },
    init.pluginTransport,
  );
  const dispatcher = new GatewayDispatcher(plugins, logger, undefined, {
    failurePolicy,
    ...(init.maxInFlightPerPlugin ? { maxInFlightPerPlugin: init.maxInFlightPerPlugin } : {}),
  });
  dispatcher.observe((call) => calls.add(call));
  tracing = await startTracing(init.tracing, init.version);
  dispatcher.useTracer(tracing?.tracer);
  // node:cluster makes this listen share the primary's socket: connections are handed out round-robin.
  server = await startPublicServer({
    host: init.host,
    port: init.port,
    dispatcher,
    logger,
    version: init.version,
    limits: init.limits,
  });
  setInterval(report, WORKER_REPORT_INTERVAL_MS).unref();
  // V8's young generation back when idle, as in the gateway process (issue 17, memory); the process exits on stop.
  startYoungGenerationReclaim();
  send({ type: "ready", port: server.port });
  logger.debug({ port: server.port }, "public-port worker ready");
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  report();
  await server?.close();
  plugins?.close();
  await tracing?.tracer.shutdown().catch(() => undefined);
  process.exit(0);
}

process.on("message", (message: PrimaryMessage) => {
  switch (message.type) {
    case "init":
      start(message.init).catch((error: unknown) => {
        send({ type: "failed", message: PolyplugError.from(error).message });
        process.exit(1);
      });
      return;
    case "plugins":
      failurePolicy?.setAdminOverrides(message.snapshot.failModeOverrides);
      plugins?.update(message.snapshot.plugins);
      return;
    case "event":
      server?.hub.publish(message.event);
      return;
    case "stop":
      void stop();
      return;
  }
});
// The primary is gone (crashed or killed): nobody supervises the plugins any more; stop serving.
process.on("disconnect", () => process.exit(0));
send({ type: "loaded" });
