import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { describe, expect, it } from "vitest";
import { refuseCall, startFailure } from "./call-start.js";

const plugin = { target: "unix:/tmp/p.sock", maxMessageBytes: 100 };

describe("refuseCall", () => {
  it("lets a call start when nothing is wrong, with or without a deadline", () => {
    expect(refuseCall(plugin, false, 1000, new AbortController().signal, 10)).toBeUndefined();
    expect(refuseCall(plugin, false, undefined, undefined, 100)).toBeUndefined();
  });

  it("refuses in order: closed, deadline passed, cancelled, request too big", () => {
    const aborted = AbortSignal.abort();
    expect(refuseCall(plugin, true, 0, aborted, 101)).toMatchObject({
      code: status.UNAVAILABLE,
      details: "the connection to the plugin at unix:/tmp/p.sock is closed",
    });
    expect(refuseCall(plugin, false, 0, aborted, 101)).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(refuseCall(plugin, false, 5, aborted, 101)).toMatchObject({ code: status.CANCELLED });
    expect(refuseCall(plugin, false, 5, undefined, 101)).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: "request message of 101 bytes is larger than the limit of 100 bytes",
    });
  });

  it("names the plugin and the cause when a request cannot start", () => {
    expect(startFailure("tcp:127.0.0.1:1", new Error("session destroyed"))).toMatchObject({
      code: status.UNAVAILABLE,
      details: "could not start a call to the plugin at tcp:127.0.0.1:1: session destroyed",
    });
  });
});
