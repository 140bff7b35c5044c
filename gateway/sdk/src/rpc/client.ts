import * as grpc from "@grpc/grpc-js";
import {
  create,
  fromBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { fastFromBinary } from "../wire/fast-from-binary.js";
import { fastToBinary } from "../wire/fast-to-binary.js";
import { grpcMethodPath, toGrpcMethodDefinition } from "./grpc-service.js";
import { GrpcCallError, type RawStream, type RpcCallOptions, type UnaryTransport } from "./unary-transport.js";
import type { PolyplugError } from "../errors.js";
import { fromGrpcError, isServiceError } from "./rpc-error.js";

export type { RpcCallOptions } from "./unary-transport.js";

/** A bidirectional stream: send requests, iterate responses, end or cancel. */
export interface BidiStream<I extends DescMessage, O extends DescMessage> {
  /** Queues a message; false when the transport's buffer is full (wait for `drained()`). */
  send(message: MessageInitShape<I>): boolean;
  /** Resolves when the buffer has room again (at once if it has). */
  drained(): Promise<void>;
  /** Half-closes the request side. */
  end(): void;
  cancel(): void;
  readonly responses: AsyncIterable<MessageShape<O>>;
}

type UnaryFn<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: RpcCallOptions,
) => Promise<MessageShape<O>>;
type ServerStreamFn<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: RpcCallOptions,
) => AsyncIterable<MessageShape<O>>;
type BidiFn<I extends DescMessage, O extends DescMessage> = (options?: RpcCallOptions) => BidiStream<I, O>;

/** A typed client: one function per method of the service, named like the generated local names. */
export type RpcClient<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends {
    methodKind: "unary";
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  }
    ? UnaryFn<I, O>
    : S["method"][K] extends {
          methodKind: "server_streaming";
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? ServerStreamFn<I, O>
      : S["method"][K] extends {
            methodKind: "bidi_streaming";
            input: infer I extends DescMessage;
            output: infer O extends DescMessage;
          }
        ? BidiFn<I, O>
        : never;
};

function toMetadata(values: Readonly<Record<string, string>> | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(values ?? {})) metadata.set(key, value);
  return metadata;
}

function toCallOptions(options: RpcCallOptions | undefined): grpc.CallOptions {
  if (options?.deadline === undefined) return {};
  const deadline = typeof options.deadline === "number" ? new Date(Date.now() + options.deadline) : options.deadline;
  return { deadline };
}

function bindSignal(call: { cancel(): void }, signal: AbortSignal | undefined): void {
  if (!signal) return;
  if (signal.aborted) call.cancel();
  else signal.addEventListener("abort", () => call.cancel(), { once: true });
}

/**
 * A server may complete a bidi call before reading all of the client's messages: trailers,
 * then RST_STREAM NO_ERROR (RFC 9113 §8.1; a plugin answering an HTTP 404 without reading the
 * upload). When one of our writes is still queued in grpc-js then, its failure ("write after
 * end", the stream's write side was closed by the reset) replaces the OK status the server
 * sent. The server had finished: the responses received are its answer. A server that failed
 * sent its status in the trailers first, which grpc-js keeps.
 */
function isWriteAfterServerClose(reason: unknown): boolean {
  return (
    isServiceError(reason) && reason.code === grpc.status.INTERNAL && reason.details === "Write error: write after end"
  );
}

async function* readStream<T>(
  stream: AsyncIterable<unknown>,
  label: string,
  endedByServer: (reason: unknown) => boolean = () => false,
): AsyncIterable<T> {
  try {
    for await (const message of stream) yield message as T;
  } catch (reason) {
    if (endedByServer(reason)) return;
    throw fromGrpcError(reason, label);
  }
}

const unaryTransports = new WeakMap<grpc.Client, UnaryTransport>();

/**
 * Routes the unary calls of every `createRpcClient(service, client)` created afterwards
 * through `transport` (same address, its own connection); streaming calls stay on the
 * grpc-js `client`. The caller keeps owning and closing both.
 */
export function useUnaryTransport(client: grpc.Client, transport: UnaryTransport): void {
  unaryTransports.set(client, transport);
}

function deadlineAt(options: RpcCallOptions | undefined, started: number): number | undefined {
  if (options?.deadline === undefined) return undefined;
  return typeof options.deadline === "number" ? started + options.deadline : options.deadline.getTime();
}

/**
 * A server whose own deadline fires first resets the stream (grpc-go sends RST_STREAM
 * CANCEL), which reads as CANCELLED; when the caller did not cancel and the deadline has
 * passed, it is a deadline, whoever noticed first.
 */
function unaryFailure(
  reason: unknown,
  label: string,
  options: RpcCallOptions | undefined,
  started: number,
): PolyplugError {
  const at = deadlineAt(options, started);
  if (
    isServiceError(reason) &&
    reason.code === grpc.status.CANCELLED &&
    !options?.signal?.aborted &&
    at !== undefined &&
    Date.now() >= at - 5
  ) {
    return fromGrpcError(
      new GrpcCallError(grpc.status.DEADLINE_EXCEEDED, "deadline exceeded (the plugin reset the call at its deadline)"),
      label,
    );
  }
  return fromGrpcError(reason, label);
}

function leanUnary(
  method: DescMethod,
  transport: UnaryTransport,
  label: string,
): (request: unknown, options?: RpcCallOptions) => Promise<unknown> {
  const path = grpcMethodPath(method);
  return async (request, options) => {
    const started = Date.now();
    let bytes: Buffer;
    try {
      // fastToBinary's bytes go on the wire as they are (no Buffer copy, which matters for big payloads).
      bytes = await transport.unary(
        path,
        fastToBinary(method.input, create(method.input, request as MessageInitShape<DescMessage>)),
        options,
      );
    } catch (reason) {
      throw unaryFailure(reason, label, options, started);
    }
    try {
      return fastFromBinary(method.output, bytes);
    } catch (cause) {
      throw fromGrpcError(
        new GrpcCallError(grpc.status.INTERNAL, `could not parse the response: ${(cause as Error).message}`),
        label,
      );
    }
  };
}

/** Decodes a raw stream's responses as `method`'s output messages; a message that does not parse ends it with INTERNAL. */
async function* decodeResponses(method: DescMethod, stream: RawStream): AsyncIterable<unknown> {
  for await (const bytes of stream.responses) {
    let message: unknown;
    try {
      message = fromBinary(method.output, bytes);
    } catch (cause) {
      stream.cancel();
      throw new GrpcCallError(grpc.status.INTERNAL, `could not parse a response: ${(cause as Error).message}`);
    }
    yield message;
  }
}

function encodeRequest(method: DescMethod, request: unknown): Uint8Array {
  return fastToBinary(method.input, create(method.input, request as MessageInitShape<DescMessage>));
}

/** Server streaming over the transport's `stream`: one request message, then the responses. */
function leanServerStream(
  method: DescMethod,
  open: NonNullable<UnaryTransport["stream"]>,
  label: string,
): (request: unknown, options?: RpcCallOptions) => AsyncIterable<unknown> {
  const path = grpcMethodPath(method);
  return (request, options) => {
    const stream = open(path, options);
    stream.send(encodeRequest(method, request));
    stream.end();
    return readStream(decodeResponses(method, stream), label);
  };
}

/** Bidirectional streaming over the transport's `stream`. */
function leanBidi(
  method: DescMethod,
  open: NonNullable<UnaryTransport["stream"]>,
  label: string,
): (options?: RpcCallOptions) => BidiStream<DescMessage, DescMessage> {
  const path = grpcMethodPath(method);
  return (options) => {
    const stream = open(path, options);
    return {
      send: (message) => stream.send(encodeRequest(method, message)),
      drained: () => stream.drained(),
      end: () => stream.end(),
      cancel: () => stream.cancel(),
      responses: readStream(decodeResponses(method, stream), label),
    };
  };
}

/** What a typed client calls through: a grpc-js client (which owns its channel), or a transport alone. */
export type RpcTarget = grpc.Client | UnaryTransport;

/**
 * Creates a typed client for `service` over an existing grpc-js client (which owns the
 * channel), or over a transport alone. With a grpc-js client, unary calls go through its
 * unary transport when one was set with `useUnaryTransport`, streaming calls through grpc-js.
 * With a transport, every call goes through it (streams need its `stream`), except that
 * `streamsOn`, when given, carries the streaming calls: a grpc-js client made on first use
 * (its flow control holds a plugin's ServeHTTP body while the caller's client reads slowly;
 * the transport's streams read eagerly, for the broker and stdio). Failed calls reject with
 * a PolyplugError carrying the gRPC status.
 */
export function createRpcClient<S extends DescService>(
  service: S,
  client: RpcTarget,
  streamsOn?: () => grpc.Client,
): RpcClient<S> {
  const result: Record<string, unknown> = {};
  const transport = client instanceof grpc.Client ? unaryTransports.get(client) : client;
  const stream = client instanceof grpc.Client ? undefined : client.stream?.bind(client);
  let viaGrpc: Record<string, (...args: unknown[]) => unknown> | undefined;
  for (const method of service.methods) {
    const definition = toGrpcMethodDefinition(method);
    const label = `${method.parent.typeName}/${method.name}`;
    if (streamsOn && method.methodKind !== "unary") {
      const name = method.localName;
      result[name] = (...args: unknown[]) => {
        viaGrpc ??= createRpcClient(service, streamsOn()) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return viaGrpc[name]!(...args);
      };
      continue;
    }
    if (!(client instanceof grpc.Client) && method.methodKind !== "unary" && !stream) {
      result[method.localName] = () => {
        throw new Error(`${label}: this transport carries no streaming calls`);
      };
      continue;
    }
    switch (method.methodKind) {
      case "unary":
        if (transport) {
          result[method.localName] = leanUnary(method, transport, label);
          break;
        }
        result[method.localName] = (request: unknown, options?: RpcCallOptions) =>
          new Promise((resolve, reject) => {
            const started = Date.now();
            const call = (client as grpc.Client).makeUnaryRequest(
              definition.path,
              definition.requestSerialize,
              definition.responseDeserialize,
              request,
              toMetadata(options?.metadata),
              toCallOptions(options),
              (error, response) => (error ? reject(unaryFailure(error, label, options, started)) : resolve(response)),
            );
            bindSignal(call, options?.signal);
          });
        break;
      case "server_streaming":
        if (stream) {
          result[method.localName] = leanServerStream(method, stream, label);
          break;
        }
        result[method.localName] = (request: unknown, options?: RpcCallOptions) => {
          const call = (client as grpc.Client).makeServerStreamRequest(
            definition.path,
            definition.requestSerialize,
            definition.responseDeserialize,
            request,
            toMetadata(options?.metadata),
            toCallOptions(options),
          );
          bindSignal(call, options?.signal);
          return readStream(call, label);
        };
        break;
      case "bidi_streaming":
        if (stream) {
          result[method.localName] = leanBidi(method, stream, label);
          break;
        }
        result[method.localName] = (options?: RpcCallOptions) => {
          const call = (client as grpc.Client).makeBidiStreamRequest(
            definition.path,
            definition.requestSerialize,
            definition.responseDeserialize,
            toMetadata(options?.metadata),
            toCallOptions(options),
          );
          bindSignal(call, options?.signal);
          call.on("error", () => undefined); // surfaced through `responses`
          return {
            send: (message: unknown) => call.write(message),
            drained: () =>
              call.writableNeedDrain
                ? new Promise<void>((resolve) => {
                    const done = () => {
                      call.off("drain", done).off("close", done).off("error", done);
                      resolve();
                    };
                    call.on("drain", done).on("close", done).on("error", done);
                  })
                : Promise.resolve(),
            end: () => void call.end(),
            cancel: () => call.cancel(),
            responses: readStream(call, label, isWriteAfterServerClose),
          };
        };
        break;
      default:
        result[method.localName] = () => {
          throw new Error(`${label}: client-streaming calls are not supported by this client`);
        };
    }
  }
  return result as RpcClient<S>;
}
