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

/** Resolves when `call` can take more writes, or when it closed (cancelled: nothing more goes out). */
function writable(call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) {
  return new Promise<void>((resolve) => {
    if (call.destroyed) return resolve();
    const done = () => {
      call.off("drain", done).off("close", done);
      resolve();
    };
    call.on("drain", done).on("close", done);
  });
}

/**
 * Writes the handler's responses, then ends the call with OK, or with the status the handler
 * threw. The status goes out through grpc-js's "error" event (which ends the call after the
 * queued messages with that status); `destroy(error)` would drop the status and leave the
 * caller waiting until its deadline.
 */
function sendResponses(
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  context: RpcCallContext,
  responses: AsyncIterable<unknown>,
): void {
  (async () => {
    for await (const message of responses) {
      // Destroyed only when grpc-js gave the call up (cancelled, deadline): nothing more goes out.
      if (context.signal.aborted || call.destroyed) return;
      if (!call.write(message)) await writable(call);
    }
    call.end();
  })().catch((reason: unknown) => {
    if (context.signal.aborted) return;
    const status = toStatus(reason);
    call.emit("error", Object.assign(new Error(status.details), status));
  });
}

function serverStreamImpl(
  handler: ServerStreamHandler<DescMessage, DescMessage>,
): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const context = contextOf(call);
    sendResponses(call, context, handler(call.request as MessageShape<DescMessage>, context));
  };
}

function bidiImpl(handler: BidiHandler<DescMessage, DescMessage>): grpc.handleBidiStreamingCall<unknown, unknown> {
  return (call) => {
    const context = contextOf(call);
    // A plain `for await` over the call would destroy it when the request side ends (the
    // client half-closed) or when the handler leaves its loop early: the responses after that,
    // and the status, would never go out. The call ends when the handler does.
    const requests: AsyncIterable<MessageShape<DescMessage>> = {
      [Symbol.asyncIterator]: () => call.iterator({ destroyOnReturn: false }),
    };
    sendResponses(call, context, handler(requests, context));
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
