// When the calls of one keep-alive HTTP/1.1 connection keep their shared controller, and when
// they get a new one (the real gateway with a plugin: test/surfaces/call-signals-gateway.test.ts).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { callScopedListener } from "../rpc/abort-listeners.js";
import { createCallSignals } from "./call-signals.js";

/** What each call does to its signal before it is answered. */
type OnCall = (signal: AbortSignal) => void;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server answering every request at once, with a call signal per request; one client connection. */
async function oneConnection(shutdown = new AbortController()) {
  const signals = createCallSignals(shutdown.signal);
  const seen: AbortSignal[] = [];
  let onCall: OnCall = () => {};
  const server = http.createServer((req, res) => {
    const call = signals.open(req, res, undefined);
    seen.push(call.signal);
    onCall(call.signal);
    call.answered();
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  closers.push(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const request = (then: OnCall = () => {}) =>
    new Promise<AbortSignal>((resolve, reject) => {
      onCall = then;
      const req = http.request({ port, host: "127.0.0.1", method: "POST", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(seen.at(-1)!));
      });
      req.on("error", reject);
      req.end("{}");
    });
  return { request, shutdown };
}

describe("the shared controller of a keep-alive connection", () => {
  const cases: [string, OnCall, boolean][] = [
    ["no listener is left", () => {}, true],
    ["a call-scoped listener tracking no call is left", (s) => s.addEventListener("abort", idle(true)), true],
    ["a call-scoped listener still tracking a call is left", (s) => s.addEventListener("abort", idle(false)), false],
    ["any other listener is left", (s) => s.addEventListener("abort", () => {}), false],
    ["a listener is added and removed", (s) => s.removeEventListener("abort", add(s)), true],
  ];
  for (const [name, onCall, kept] of cases) {
    it(`is ${kept ? "kept" : "replaced"} when ${name}`, async () => {
      const { request } = await oneConnection();
      const first = await request(onCall);
      const second = await request();
      expect(second === first).toBe(kept);
      expect(first.aborted).toBe(false);
    });
  }

  it("is aborted for a call made after shutdown, even when it was kept idle", async () => {
    const { request, shutdown } = await oneConnection();
    const first = await request();
    shutdown.abort(new Error("shutting down"));
    const second = await request();
    expect(second.aborted).toBe(true);
    expect(second.reason).toMatchObject({ message: "shutting down" });
    expect(first.aborted).toBe(false); // answered before shutdown: never aborted
  });
});

function idle(value: boolean): () => void {
  return callScopedListener(
    () => {},
    () => value,
  );
}

function add(signal: AbortSignal): () => void {
  const listener = () => {};
  signal.addEventListener("abort", listener);
  return listener;
}
