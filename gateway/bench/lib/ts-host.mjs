// The TypeScript host side of the hook benchmarks: Polyplug's startPlugin and
// client(Plugin).intercept, running the same phases as examples-go/bench/gohost.
import { create } from "@bufbuild/protobuf";
import { startPlugin } from "../../dist/entry/host.js";
import { InterceptRequestSchema, Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";

/** Deadline of every benchmark call, as the gateway's hook deadline (ms). */
export const CALL_TIMEOUT_MS = 30_000;

/**
 * The benchmark payload: a short message, or a `data` string of `bytes` characters.
 * gohost builds the identical Struct.
 * @param {number} bytes
 */
export function benchPayload(bytes) {
  return bytes > 0 ? { data: "x".repeat(bytes) } : { message: "hello, plugin", user_id: "u-1", channel_id: "town" };
}

/**
 * Starts a plugin (argv) under the TS host, spawn to healthy.
 * @param {readonly string[]} argv
 * @param {Record<string, string>} [env]
 * @param {Partial<import("../../dist/entry/host.js").StartPluginOptions>} [extra] more startPlugin options (a sandbox, its cwd)
 */
export async function startTsPlugin(argv, env = {}, extra = {}) {
  const plugin = await startPlugin({ command: argv[0], args: argv.slice(1), env, inheritEnv: true, ...extra });
  await plugin.health();
  return plugin;
}

/**
 * @typedef {object} Phase   one measured run; see examples-go/bench/gohost/intercept.go
 * @property {string} name
 * @property {string} topic
 * @property {number} payloadBytes
 * @property {number} concurrency
 * @property {number} warmup
 * @property {number} calls
 * @property {number} minCalls
 * @property {number} durationMs
 */

/**
 * Runs `count` workers that each take a ticket and await `fn` while `more(ticket)`.
 * @param {number} count
 * @param {(ticket: number) => boolean} more
 * @param {() => Promise<void>} fn
 */
async function workers(count, more, fn) {
  let tickets = 0;
  const worker = async () => {
    while (more(tickets++)) await fn();
  };
  await Promise.all(Array.from({ length: Math.max(1, count) }, worker));
}

/**
 * Measures one phase with any `call` (warm-up, then timed calls); raw latencies in µs.
 * Shared by every client variant so they are measured identically.
 * @param {Phase} phase
 * @param {() => Promise<void>} call  one Intercept; throws when the answer is wrong
 */
export async function measurePhase(phase, call) {
  await workers(
    phase.concurrency,
    (i) => i < phase.warmup,
    () => call().catch(() => undefined),
  );
  const latenciesUs = [];
  let errors = 0;
  let firstError;
  const start = performance.now();
  const end = start + phase.durationMs;
  const more = (i) => i < phase.minCalls || (i < phase.calls && performance.now() < end);
  await workers(phase.concurrency, more, async () => {
    const t0 = performance.now();
    try {
      await call();
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
    latenciesUs.push((performance.now() - t0) * 1000);
  });
  return { name: phase.name, latenciesUs, elapsedMs: performance.now() - start, errors, firstError };
}

/**
 * The InterceptRequest of a phase (built once, as gohost does).
 * @param {Phase} phase
 */
export function phaseRequest(phase) {
  return create(InterceptRequestSchema, {
    context: { requestId: "bench", pluginId: "bench" },
    topic: phase.topic,
    payload: benchPayload(phase.payloadBytes),
  });
}

/**
 * Runs one phase of Intercept calls on a started plugin through Polyplug's RPC client.
 * @param {import("../../dist/entry/host.js").PluginClient} plugin
 * @param {Phase} phase
 */
export async function runTsPhase(plugin, phase) {
  const rpc = plugin.client(Plugin);
  const request = phaseRequest(phase);
  return measurePhase(phase, async () => {
    const answer = await rpc.intercept(request, { deadline: CALL_TIMEOUT_MS });
    if (answer.error) throw new Error(`plugin answered ${answer.error.code}: ${answer.error.message}`);
  });
}

/**
 * Starts the plugin, runs every phase, stops it.
 * @param {readonly string[]} argv
 * @param {readonly Phase[]} phases
 */
export async function runTsIntercept(argv, phases) {
  const plugin = await startTsPlugin(argv);
  try {
    const results = [];
    for (const phase of phases) results.push(await runTsPhase(plugin, phase));
    return { phases: results };
  } finally {
    await plugin.shutdown();
  }
}
