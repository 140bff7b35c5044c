// The shared cancellation signal of a keep-alive HTTP/1.1 connection (surfaces/call-signals.ts)
// on a real gateway with a real plugin over the default plugin transport (rpc/h2): the h2
// client's one abort listener per caller signal (rpc/h2/unary-call.ts) must not make
// call-signals replace the connection's controller after every request, and every
// cancellation must still reach exactly the plugin calls it used to.
import { getEventListeners } from "node:events";
import type http from "node:http";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UnaryCall } from "../../src/rpc/h2/unary-call.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { startPublicServer } from "../../src/surfaces/public-server.js";
import { eventually } from "../log-capture.js";
import { dataDir, scriptedPluginsDir } from "../runtime/scripted-plugins.js";
import { type KeepAliveAnswer, oneConnectionAgent, postJson } from "./keep-alive.js";

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";

/** What the plugin-call layer saw: each call's caller signal, and the calls the caller aborted. */
const begun: { call: UnaryCall; signal: AbortSignal | undefined }[] = [];
const aborted: UnaryCall[] = [];
/** Set by a test: the next plugin call leaves an abort listener of its own on its signal. */
let leaveListener: (() => void) | undefined;
const { begin, abort } = UnaryCall.prototype;

let gateway: Gateway;
beforeAll(async () => {
  UnaryCall.prototype.begin = function (this: UnaryCall, ...args: Parameters<UnaryCall["begin"]>) {
    const signal = args[4];
    begun.push({ call: this, signal });
    if (leaveListener && signal) {
      signal.addEventListener("abort", leaveListener, { once: true });
      leaveListener = undefined;
    }
    return begin.apply(this, args);
  };
  UnaryCall.prototype.abort = function (this: UnaryCall) {
    aborted.push(this);
    return abort.call(this);
  };
  gateway = await createGateway({
    pluginsDirs: [scriptedPluginsDir([{ id: "p.a", interceptTimeoutMs: 30_000 }])],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    pluginTransport: "h2",
  });
}, 30_000);
afterAll(async () => {
  UnaryCall.prototype.begin = begin;
  UnaryCall.prototype.abort = abort;
  await gateway?.stop();
});

const agents: http.Agent[] = [];
afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy();
});

/** A keep-alive agent with one connection, destroyed after the test. */
function oneConnection(): http.Agent {
  const agent = oneConnectionAgent();
  agents.push(agent);
  return agent;
}

function intercept(url: string, agent: http.Agent, step = "proceed"): Promise<KeepAliveAnswer> {
  return postJson(
    `${url}${INTERCEPT}`,
    agent,
    JSON.stringify({ topic: "test.signals", payload: { script: { "p.a": step } } }),
  );
}

/** N requests one after the other on one connection; the caller signals their plugin calls saw. */
async function sequential(url: string, agent: http.Agent, n: number): Promise<(AbortSignal | undefined)[]> {
  const from = begun.length;
  let socket: unknown;
  for (let i = 0; i < n; i++) {
    const answer = await intercept(url, agent);
    expect(answer.status).toBe(200);
    socket ??= answer.socket;
    expect(answer.socket).toBe(socket); // one keep-alive connection throughout
  }
  const signals = begun.slice(from).map((seen) => seen.signal);
  expect(signals).toHaveLength(n);
  return signals;
}

/**
 * After 3 answered requests on `agent`'s connection, starts one whose plugin call sleeps and
 * waits until that call is begun; it carries the connection's shared signal (with the h2
 * watcher already on it). `abortedSince()`: the plugin calls aborted since it was begun.
 */
async function callInFlight(url: string, agent: http.Agent) {
  const earlier = await sequential(url, agent, 3);
  const from = begun.length;
  const abortedBefore = aborted.length;
  const pending = intercept(url, agent, "sleep:60000").catch(() => undefined);
  await eventually(() => begun.length > from, 15_000, "the plugin call");
  const inFlight = begun[from]!;
  expect(inFlight.signal).toBe(earlier[0]);
  return { call: inFlight.call, signal: inFlight.signal, pending, abortedSince: () => aborted.slice(abortedBefore) };
}

describe("one keep-alive connection's calls on the h2 plugin transport", () => {
  it("share one controller across idle-separated requests", async () => {
    const signals = await sequential(gateway.url, oneConnection(), 20);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    // Each request is answered before the next is sent: the connection is idle in between.
    expect(new Set(signals).size).toBe(1);
  });

  it("still replaces the controller when other code leaves a listener on it, which never fires", async () => {
    const agent = oneConnection();
    const [first, second] = await sequential(gateway.url, agent, 2);
    expect(second).toBe(first);
    const left: string[] = [];
    leaveListener = () => left.push("fired");
    const [third, fourth, fifth] = await sequential(gateway.url, agent, 3);
    expect(third).toBe(first); // the listener was left during this call…
    expect(fourth).not.toBe(first); // …so the next call has a controller of its own
    expect(fifth).toBe(fourth);
    agent.destroy(); // the connection closes with nothing in flight: nothing is aborted
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(left).toEqual([]);
    expect(first?.aborted).toBe(false);
    expect(fourth?.aborted).toBe(false);
  });

  it("aborts the plugin call in flight, and only it, when the client disconnects", async () => {
    const agent = oneConnection();
    const inFlight = await callInFlight(gateway.url, agent);
    agent.destroy();
    await inFlight.pending;
    await eventually(() => inFlight.abortedSince().length > 0, 15_000, "the plugin call's abort");
    expect(inFlight.abortedSince()).toEqual([inFlight.call]);
    expect(inFlight.signal?.reason).toMatchObject({ message: expect.stringContaining("client closed") });
    // The plugin is still serving (its sleep ended with the stream's cancellation).
    expect((await intercept(gateway.url, oneConnection())).status).toBe(200);
  });

  it("aborts the plugin call in flight on an idle-reused connection when the server shuts down", async () => {
    const server = await startPublicServer({ port: 0, dispatcher: gateway.dispatcher });
    let closed: Promise<void> | undefined;
    try {
      const agent = oneConnection();
      const inFlight = await callInFlight(server.url, agent);
      closed = server.close();
      await eventually(() => inFlight.abortedSince().length > 0, 15_000, "the plugin call's abort");
      expect(inFlight.abortedSince()).toEqual([inFlight.call]);
      agent.destroy();
      await inFlight.pending;
    } finally {
      await (closed ?? server.close());
    }
  });

  it("leaves nothing behind per request: one listener on the shared signal, no timer or handle more", async () => {
    const agent = oneConnection();
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
      return counts;
    };
    const [signal] = await sequential(gateway.url, agent, 20);
    const before = resources();
    const later = await sequential(gateway.url, agent, 100);
    const after = resources();
    expect(new Set(later)).toEqual(new Set([signal]));
    expect(getEventListeners(signal!, "abort")).toHaveLength(1); // rpc/h2's watcher
    // Referenced handles and timers (Timeout, TCPSocketWrap…): none more than before; fewer is
    // fine (a connection of an earlier test may still have been closing).
    for (const [name, count] of Object.entries(after))
      expect(`${name} ${count}`).toBe(`${name} ${Math.min(count, before[name] ?? 0)}`);
  });
});
