import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import { describe, expect, it } from "vitest";
import { type CallStart, refuseCall, startFailure } from "./call-start.js";

const fine: CallStart = {
  target: "unix:/tmp/p.sock",
  closed: false,
  timeoutMs: 1000,
  signal: undefined,
  requestBytes: 10,
  maxMessageBytes: 100,
};

describe("refuseCall", () => {
  it("lets a call start when nothing is wrong, with or without a deadline", () => {
    expect(refuseCall(fine)).toBeUndefined();
    expect(refuseCall({ ...fine, timeoutMs: undefined, requestBytes: 100 })).toBeUndefined();
  });

  it("refuses in order: closed, deadline passed, cancelled, request too big", () => {
    const aborted = AbortSignal.abort();
    const everything = { ...fine, closed: true, timeoutMs: 0, signal: aborted, requestBytes: 101 };
    expect(refuseCall(everything)).toMatchObject({
      code: status.UNAVAILABLE,
      details: "the connection to the plugin at unix:/tmp/p.sock is closed",
    });
    expect(refuseCall({ ...everything, closed: false })).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(refuseCall({ ...everything, closed: false, timeoutMs: 5 })).toMatchObject({ code: status.CANCELLED });
    expect(refuseCall({ ...fine, requestBytes: 101 })).toMatchObject({
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
