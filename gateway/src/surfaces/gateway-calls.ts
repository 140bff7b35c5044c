import type { JsonObject } from "@bufbuild/protobuf";
import type { Dispatcher, InterceptVerdict, NotifyReceipt } from "../dispatch/dispatcher.js";
import { checkTopic, toCallOptions, type CallerFields, type TransportContext } from "./call-options.js";
import { toConnectError } from "./error-mapping.js";

/** The fields of GatewayInterceptRequest and GatewayNotifyRequest the calls read. */
export interface TopicCallFields extends CallerFields {
  readonly topic: string;
  /** Unset means `{}`. */
  readonly payload?: JsonObject | undefined;
}

/**
 * Gateway.Intercept on top of a Dispatcher, whatever the wire: validates the request
 * (INVALID_ARGUMENT naming the field), runs the chain, and turns dispatcher failures
 * into ConnectErrors (toConnectError). Shared by the connect-node service and the JSON
 * fast path, so both answer alike.
 */
export async function interceptCall(dispatcher: Dispatcher, request: TopicCallFields, transport: TransportContext): Promise<InterceptVerdict> {
  checkTopic(request.topic);
  const options = toCallOptions(request, transport);
  try {
    return await dispatcher.intercept(request.topic, request.payload ?? {}, options);
  } catch (reason) {
    throw toConnectError(reason);
  }
}

/**
 * Gateway.Notify on top of a Dispatcher: validates the request and queues the event.
 * Notify outlives the call (plugins are called after the response), so the transport's
 * signal is not passed on: the end of the RPC must not cancel the plugin calls.
 */
export function notifyCall(dispatcher: Dispatcher, request: TopicCallFields, transport: TransportContext): NotifyReceipt {
  checkTopic(request.topic);
  const options = toCallOptions(request, { ...transport, signal: undefined });
  try {
    return dispatcher.notify(request.topic, request.payload ?? {}, options);
  } catch (reason) {
    throw toConnectError(reason);
  }
}
