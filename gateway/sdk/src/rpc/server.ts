import * as grpc from "@grpc/grpc-js";
import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { toGrpcMethodDefinition } from "./grpc-service.js";
import { RpcStatusError } from "./rpc-error.js";

/** What a handler knows about the call it serves. */
export interface RpcCallContext {
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
  readonly metadata: grpc.Metadata;
  /** The caller's deadline, if it sent one. */
  readonly deadline: Date | undefined;
  readonly peer: string;
}

type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: RpcCallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;
type ServerStreamHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: RpcCallContext,
) => AsyncIterable<MessageInitShape<O>>;
type BidiHandler<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: RpcCallContext,
) => AsyncIterable<MessageInitShape<O>>;

/** Handlers for a service: one per method; missing ones answer UNIMPLEMENTED. */
export type RpcHandlers<S extends DescService> = {
  [K in keyof S["method"]]?: S["method"][K] extends {
    methodKind: "unary";
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  }
    ? UnaryHandler<I, O>
    : S["method"][K] extends {
          methodKind: "server_streaming";
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? ServerStreamHandler<I, O>
      : S["method"][K] extends {
            methodKind: "bidi_streaming";
            input: infer I extends DescMessage;
            output: infer O extends DescMessage;
          }
        ? BidiHandler<I, O>
        : never;
};

function toStatus(reason: unknown): Partial<grpc.StatusObject> {
  if (reason instanceof RpcStatusError) return { code: reason.status, details: reason.message };
  const message = reason instanceof Error ? reason.message : String(reason);
  return { code: grpc.status.INTERNAL, details: message };
}

function contextOf(
  call:
    | grpc.ServerUnaryCall<unknown, unknown>
    | grpc.ServerWritableStream<unknown, unknown>
    | grpc.ServerDuplexStream<unknown, unknown>,
): RpcCallContext {
  const controller = new AbortController();
  const abort = () => controller.abort();
  (call as unknown as NodeJS.EventEmitter).on("cancelled", abort);
  const deadline = call.getDeadline();
  let timer: NodeJS.Timeout | undefined;
  if (deadline instanceof Date || typeof deadline === "number") {
    const at = new Date(deadline);
    const ms = at.getTime() - Date.now();
    if (Number.isFinite(ms)) {
      timer = setTimeout(abort, Math.max(0, ms));
      timer.unref();
    }
  }
  controller.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  const finalDeadline =
    deadline instanceof Date
      ? deadline
      : typeof deadline === "number" && Number.isFinite(deadline)
        ? new Date(deadline)
        : undefined;
  return { signal: controller.signal, metadata: call.metadata, deadline: finalDeadline, peer: call.getPeer() };
}

function unaryImpl(handler: UnaryHandler<DescMessage, DescMessage>): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const context = contextOf(call);
    Promise.resolve()
      .then(() => handler(call.request as MessageShape<DescMessage>, context))
      .then(
        (response) => callback(null, response),
        (reason: unknown) => callback(toStatus(reason)),
      );
  };
}

function serverStreamImpl(
  handler: ServerStreamHandler<DescMessage, DescMessage>,
): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const context = contextOf(call);
    (async () => {
      for await (const message of handler(call.request as MessageShape<DescMessage>, context)) {
        if (context.signal.aborted) return;
        if (!call.write(message)) await new Promise((resolve) => call.once("drain", resolve));
      }
      call.end();
    })().catch((reason: unknown) => call.destroy(Object.assign(new Error(toStatus(reason).details), toStatus(reason))));
  };
}

function bidiImpl(handler: BidiHandler<DescMessage, DescMessage>): grpc.handleBidiStreamingCall<unknown, unknown> {
  return (call) => {
    const context = contextOf(call);
    const requests = call as AsyncIterable<MessageShape<DescMessage>>;
    (async () => {
      for await (const message of handler(requests, context)) {
        if (context.signal.aborted) return;
        if (!call.write(message)) await new Promise((resolve) => call.once("drain", resolve));
      }
      call.end();
    })().catch((reason: unknown) => call.destroy(Object.assign(new Error(toStatus(reason).details), toStatus(reason))));
  };
}

/**
 * Registers `handlers` for `service` on a grpc-js server. Only implemented methods are
 * registered, so the rest answer UNIMPLEMENTED. Throw RpcStatusError for a chosen status;
 * anything else thrown becomes INTERNAL with its message.
 */
export function addRpcService<S extends DescService>(server: grpc.Server, service: S, handlers: RpcHandlers<S>): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const table = handlers as Record<string, unknown>;
  for (const method of service.methods) {
    const handler = table[method.localName];
    if (typeof handler !== "function") continue;
    definition[method.localName] = toGrpcMethodDefinition(method);
    if (method.methodKind === "unary")
      implementation[method.localName] = unaryImpl(handler as UnaryHandler<DescMessage, DescMessage>);
    else if (method.methodKind === "server_streaming")
      implementation[method.localName] = serverStreamImpl(handler as ServerStreamHandler<DescMessage, DescMessage>);
    else if (method.methodKind === "bidi_streaming")
      implementation[method.localName] = bidiImpl(handler as BidiHandler<DescMessage, DescMessage>);
  }
  server.addService(definition, implementation);
}
