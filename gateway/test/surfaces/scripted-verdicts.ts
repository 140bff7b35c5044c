// Dispatcher answers keyed by topic, for comparing the JSON fast path with connect-node:
// every verdict shape, dispatcher failures, and a chain that waits for its deadline or
// cancellation the way the real intercept chain does.
import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallOptions, InterceptVerdict } from "../../src/dispatch/dispatcher.js";
import { ErrorCode, PolyplugError } from "../../src/errors.js";

/** Topics scriptedIntercept answers specially; any other topic proceeds unchanged. */
export const SCRIPTED_TOPICS = [
  "t.proceed",
  "t.modify",
  "t.reject",
  "t.closed",
  "t.unavailable",
  "t.plain",
  "t.connect",
  "t.nan",
  "t.nanstep",
  "t.wait",
  "t.big",
] as const;

function until(options: CallOptions | undefined): Promise<"aborted" | "deadline"> {
  return new Promise((resolve) => {
    const timer = options?.timeoutMs ? setTimeout(() => resolve("deadline"), options.timeoutMs) : undefined;
    options?.signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve("aborted");
      },
      { once: true },
    );
  });
}

/** A FakeDispatcher onIntercept answer per topic (deterministic: the request id is the caller's or "generated"). */
export async function scriptedIntercept(
  topic: string,
  payload: JsonObject,
  options: CallOptions | undefined,
): Promise<InterceptVerdict> {
  const requestId = options?.requestId || "generated";
  switch (topic) {
    case "t.modify":
      return {
        requestId,
        allowed: true,
        payload: { ...payload, seen: true, nested: { list: [1, "two", null, false, { three: 3.5 }] } },
        modified: true,
        steps: [
          { pluginId: "upper", outcome: "modify", durationMs: 1.25 },
          {
            pluginId: "flaky",
            outcome: "failed-open",
            durationMs: 0,
            error: { code: "plugin_exited", message: "plugin flaky exited (status 2)" },
          },
          {
            pluginId: "odd",
            outcome: "failed-open",
            durationMs: 3,
            error: { code: "not_a_known_code", message: 'üñï \u2028 "quoted"' },
          },
        ],
      };
    case "t.reject":
      return {
        requestId,
        allowed: false,
        payload,
        modified: false,
        rejection: { pluginId: "spam", reason: "looks like spam ✋", code: "spam", failure: false },
        steps: [{ pluginId: "spam", outcome: "reject", durationMs: 2 }],
      };
    case "t.closed":
      return {
        requestId,
        allowed: false,
        payload,
        modified: false,
        rejection: {
          pluginId: "guard",
          reason: "plugin guard failed (deadline_exceeded): too slow",
          code: "deadline_exceeded",
          failure: true,
        },
        steps: [
          {
            pluginId: "guard",
            outcome: "failed-closed",
            durationMs: 5000,
            error: { code: "deadline_exceeded", message: "too slow" },
          },
        ],
      };
    case "t.unavailable":
      throw new PolyplugError(ErrorCode.Unavailable, "plugin p is not running");
    case "t.plain":
      throw new Error("a bug");
    case "t.connect":
      throw new ConnectError("straight from connect", Code.FailedPrecondition);
    case "t.nan":
      return { requestId, allowed: true, payload: { x: Number.NaN }, modified: true, steps: [] };
    case "t.nanstep":
      return {
        requestId,
        allowed: true,
        payload,
        modified: false,
        steps: [{ pluginId: "p", outcome: "proceed", durationMs: Number.NaN }],
      };
    case "t.wait": {
      const ended = await until(options);
      if (ended === "aborted") throw new PolyplugError(ErrorCode.Cancelled, "the caller cancelled the intercept call");
      throw new PolyplugError(ErrorCode.DeadlineExceeded, "the chain's deadline passed");
    }
    case "t.big":
      return {
        requestId,
        allowed: true,
        payload: { ...payload, blob: "compressible ".repeat(400) },
        modified: true,
        steps: [],
      };
    default:
      return {
        requestId,
        allowed: true,
        payload,
        modified: false,
        steps: [{ pluginId: "p", outcome: "proceed", durationMs: 0.5 }],
      };
  }
}
