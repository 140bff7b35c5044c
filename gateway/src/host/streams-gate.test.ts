import { describe, expect, it } from "vitest";
import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { createStreamsGate } from "./streams-gate.js";

/** A transport whose calls settle when the test says so. */
function fakeTransport() {
  const pending: Array<{ resolve: (value: Buffer) => void; reject: (error: Error) => void }> = [];
  const transport: UnaryTransport = {
    unary: () =>
      new Promise<Buffer>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
    connect: async () => undefined,
    close: () => undefined,
  };
  return { transport, pending };
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

describe("streams gate", () => {
  it("opens after the first call's answer has reached its caller, once", async () => {
    const { transport, pending } = fakeTransport();
    const events: string[] = [];
    const gate = createStreamsGate(transport, () => events.push("open"), 60_000);
    const first = gate.unary.unary("/a/b", new Uint8Array()).then(() => events.push("answer"));
    const second = gate.unary.unary("/a/b", new Uint8Array()).then(() => events.push("answer 2"));
    await nextMacrotask();
    expect(events).toEqual([]);
    pending[0]?.resolve(Buffer.alloc(0));
    await first;
    await nextMacrotask();
    expect(events).toEqual(["answer", "open"]);
    pending[1]?.resolve(Buffer.alloc(0));
    await second;
    await nextMacrotask();
    expect(events).toEqual(["answer", "open", "answer 2"]);
  });

  it("opens after a failed call too", async () => {
    const { transport, pending } = fakeTransport();
    let opened = 0;
    const gate = createStreamsGate(transport, () => opened++, 60_000);
    const call = gate.unary.unary("/a/b", new Uint8Array());
    pending[0]?.reject(new Error("unavailable"));
    await expect(call).rejects.toThrow("unavailable");
    await nextMacrotask();
    expect(opened).toBe(1);
  });

  it("opens at once on open() (the broker is used), and by itself after maxMs without calls", async () => {
    const { transport } = fakeTransport();
    let opened = 0;
    const gate = createStreamsGate(transport, () => opened++, 60_000);
    gate.open();
    gate.open();
    expect(opened).toBe(1);
    let timed = 0;
    createStreamsGate(transport, () => timed++, 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(timed).toBe(1);
  });

  it("never opens once cancelled (the plugin is stopping)", async () => {
    const { transport, pending } = fakeTransport();
    let opened = 0;
    const gate = createStreamsGate(transport, () => opened++, 5);
    const call = gate.unary.unary("/a/b", new Uint8Array());
    gate.cancel();
    pending[0]?.resolve(Buffer.alloc(0));
    await call;
    gate.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened).toBe(0);
  });
});
