// A Dispatcher for surface tests: records every call and answers with what the test
// scripted. Its ServeHTTP streams are in-memory, flow-controlled and pull-based, so
// streaming and back-pressure behave as with a real plugin connection.
import { randomUUID } from "node:crypto";
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  CallOptions,
  CommandResult,
  Dispatcher,
  HookContextInit,
  InterceptVerdict,
  NotifyReceipt,
  PluginHttpStream,
} from "../../src/dispatch/dispatcher.js";
import { ErrorCode, PolyplugError } from "../../src/errors.js";
import {
  ServeHTTPResponseSchema,
  type ServeHTTPRequest,
  type ServeHTTPResponseSchema as ResponseSchema,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { ServeHTTPRequestSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";

/** A response frame as a plugin handler yields it. */
export type ResponseFrame = MessageInitShape<typeof ResponseSchema>;

/** A scripted plugin HTTP handler: reads request frames, yields response frames. */
export type FakeHttpHandler = (
  requests: AsyncIterable<ServeHTTPRequest>,
  signal: AbortSignal,
) => AsyncIterable<ResponseFrame>;

/** A bounded in-memory frame channel with grpc-js-like back-pressure (send() false past highWater). */
class FrameChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly readers: ((result: IteratorResult<T>) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private ended = false;
  /** Most frames ever waiting in the channel (to prove the sender respected back-pressure). */
  maxQueued = 0;
  received = 0;

  constructor(private readonly highWater: number) {}

  send(item: T): boolean {
    if (this.ended) throw new Error("send after end");
    this.received++;
    const reader = this.readers.shift();
    if (reader) reader({ value: item, done: false });
    else this.items.push(item);
    this.maxQueued = Math.max(this.maxQueued, this.items.length);
    return this.items.length < this.highWater;
  }

  drained(): Promise<void> {
    if (this.items.length < this.highWater || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  end(): void {
    this.ended = true;
    for (const reader of this.readers.splice(0)) reader({ value: undefined, done: true });
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (this.items.length < this.highWater) for (const waiter of this.drainWaiters.splice(0)) waiter();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.readers.push(resolve));
      },
    };
  }
}

/** One ServeHTTP stream the fake opened, for assertions. */
export interface OpenedStream {
  readonly pluginId: string;
  readonly method: string;
  readonly path: string;
  readonly options: CallOptions | undefined;
  readonly requests: FrameChannel<ServeHTTPRequest>;
  cancelled: boolean;
  halfClosed: boolean;
}

/** The fake: set the `on*` answers per test; inspect `calls` and `streams`. */
export class FakeDispatcher implements Dispatcher {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly streams: OpenedStream[] = [];
  onIntercept: (topic: string, payload: JsonObject, options: CallOptions | undefined) => Promise<InterceptVerdict> =
    async (_topic, payload, options) => ({
      requestId: options?.requestId ?? randomUUID(),
      allowed: true,
      payload,
      modified: false,
      steps: [],
    });
  onNotify: (topic: string, payload: JsonObject, options: CallOptions | undefined) => NotifyReceipt = (
    _topic,
    _payload,
    options,
  ) => ({
    requestId: options?.requestId ?? "generated",
    queuedFor: ["p1"],
    droppedFor: [],
  });
  onCommand: (
    command: string,
    args: readonly string[],
    raw: string,
    options: CallOptions | undefined,
  ) => Promise<CommandResult> = async (command, _args, _raw, options) => ({
    requestId: options?.requestId ?? "generated",
    pluginId: "commands",
    text: `ran ${command}`,
    data: undefined,
  });
  /** The HTTP handler per plugin id; unknown ids are not_found. */
  readonly httpHandlers = new Map<string, FakeHttpHandler>();
  /** Request frames the in-memory stream holds before send() reports it full. */
  requestHighWater = 16;

  intercept(topic: string, payload: JsonObject, options?: CallOptions): Promise<InterceptVerdict> {
    this.calls.push({ method: "intercept", args: [topic, payload, options] });
    return this.onIntercept(topic, payload, options);
  }

  notify(topic: string, payload: JsonObject, options?: CallOptions): NotifyReceipt {
    this.calls.push({ method: "notify", args: [topic, payload, options] });
    return this.onNotify(topic, payload, options);
  }

  executeCommand(command: string, args: readonly string[], raw: string, options?: CallOptions): Promise<CommandResult> {
    this.calls.push({ method: "executeCommand", args: [command, args, raw, options] });
    return this.onCommand(command, args, raw, options);
  }

  openHttpStream(
    pluginId: string,
    method: string,
    path: string,
    options?: CallOptions,
  ): { stream: PluginHttpStream; context: HookContextInit } {
    const handler = this.httpHandlers.get(pluginId);
    if (!handler) throw new PolyplugError(ErrorCode.NotFound, `no active plugin with id ${JSON.stringify(pluginId)}`);
    const requests = new FrameChannel<ServeHTTPRequest>(this.requestHighWater);
    const abort = new AbortController();
    const opened: OpenedStream = { pluginId, method, path, options, requests, cancelled: false, halfClosed: false };
    this.streams.push(opened);
    const output = handler(requests, abort.signal);
    async function* responses() {
      for await (const frame of output) {
        if (opened.cancelled) throw new PolyplugError(ErrorCode.Cancelled, "ServeHTTP cancelled");
        yield create(ServeHTTPResponseSchema, frame);
      }
    }
    const stream = {
      send: (message: MessageInitShape<typeof ServeHTTPRequestSchema>) =>
        requests.send(create(ServeHTTPRequestSchema, message)),
      drained: () => requests.drained(),
      end: () => {
        opened.halfClosed = true;
        requests.end();
      },
      cancel: () => {
        opened.cancelled = true;
        abort.abort();
        requests.end();
      },
      responses: responses(),
    };
    const context: HookContextInit = {
      requestId: "req-http-1",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      pluginId,
      metadata: { ...options?.metadata },
      deadlineMs: undefined,
    };
    return { stream: stream as PluginHttpStream, context };
  }
}
