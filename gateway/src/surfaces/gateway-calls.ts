import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { Dispatcher, InterceptVerdict, NotifyReceipt } from "../dispatch/dispatcher.js";
import { checkTopic, toCallOptions, type CallerFields, type TransportContext } from "./call-options.js";
import { toConnectError } from "./error-mapping.js";

/** The fields of GatewayInterceptRequest and GatewayNotifyRequest the calls read. */
export interface TopicCallFields extends CallerFields {
  readonly topic: string;
  /** Unset means `{}`. */
  readonly payload?: JsonObject | undefined;
}

/** True when `signal` was aborted by the transport's deadline (connect-timeout-ms, grpc-timeout). */
function abortedByDeadline(signal: AbortSignal | undefined): boolean {
  return (
    signal?.aborted === true && signal.reason instanceof ConnectError && signal.reason.code === Code.DeadlineExceeded
  );
}

function transportDeadlineError(): ConnectError {
  return toConnectError(
    new PolyplugError(ErrorCode.DeadlineExceeded, "the call's deadline (its Connect / gRPC timeout) passed"),
  );
}

/**
 * Gateway.Intercept on top of a Dispatcher, whatever the wire: validates the request
 * (INVALID_ARGUMENT naming the field), runs the chain, and turns dispatcher failures
 * into ConnectErrors (toConnectError). Once the transport's own deadline has passed the
 * answer is DEADLINE_EXCEEDED, whichever noticed it first: the transport's signal (the
 * chain then stops as if CANCELLED) or the chain (whose deadline is never later).
 * Shared by the connect-node service and the JSON fast path, so both answer alike.
 */
export async function interceptCall(
  dispatcher: Dispatcher,
  request: TopicCallFields,
  transport: TransportContext,
): Promise<InterceptVerdict> {
  checkTopic(request.topic);
  const options = toCallOptions(request, transport);
  const deadlineAt = transport.timeoutMs === undefined ? undefined : Date.now() + transport.timeoutMs;
  const passed = () => abortedByDeadline(transport.signal) || (deadlineAt !== undefined && Date.now() >= deadlineAt);
  let verdict: InterceptVerdict;
  try {
    verdict = await dispatcher.intercept(request.topic, request.payload ?? {}, options);
  } catch (reason) {
    throw passed() ? transportDeadlineError() : toConnectError(reason);
  }
  if (passed()) throw transportDeadlineError();
  return verdict;
}

/**
 * Gateway.Notify on top of a Dispatcher: validates the request and queues the event.
 * Notify outlives the call (plugins are called after the response), so the transport's
 * signal is not passed on: the end of the RPC must not cancel the plugin calls.
 */
export function notifyCall(
  dispatcher: Dispatcher,
  request: TopicCallFields,
  transport: TransportContext,
): NotifyReceipt {
  checkTopic(request.topic);
  // Field by field: a spread followed by more properties is a slow clone on Node 20 (PROFILE.md).
  const options = toCallOptions(request, {
    traceparentHeader: transport.traceparentHeader,
    timeoutMs: transport.timeoutMs,
    signal: undefined,
  });
  try {
    return dispatcher.notify(request.topic, request.payload ?? {}, options);
  } catch (reason) {
    throw toConnectError(reason);
  }
}
