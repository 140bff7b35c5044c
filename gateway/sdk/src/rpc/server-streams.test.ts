import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GRPCBroker, type ConnInfo } from "../gen/plugin/grpc_broker_pb.js";
import { GRPCStdio, StdioData_Channel } from "../gen/plugin/grpc_stdio_pb.js";
import type { PolyplugError } from "../errors.js";
import { createRpcClient } from "./client.js";
import { RpcStatusError } from "./rpc-error.js";
import { addRpcService, type RpcCallContext, type RpcHandlers } from "./server.js";

// Streaming handlers served by addRpcService over a real HTTP/2 connection (unix socket,
// grpc-js on both sides). The request side's half-close must not end the call: the call ends
// when the handler finishes, with the status it produced.

let dir: string;
const cleanups: Array<() => unknown> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pp-rpc-streams-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Deadline of every call: a hang shows up as DEADLINE_EXCEEDED instead of a test timeout. */
const DEADLINE_MS = 15_000;

async function serve<S extends typeof GRPCBroker | typeof GRPCStdio>(service: S, handlers: RpcHandlers<S>) {
  const server = new grpc.Server();
  addRpcService(server, service, handlers);
  const address = `unix://${join(dir, "s.sock")}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  cleanups.push(() => server.forceShutdown());
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  return createRpcClient(service, client);
}

const info = (serviceId: number, address = "") => ({ serviceId, network: "unix", address });

/** Sends `ids`, half-closes, and collects the answer: the responses and the final status. */
async function exchange(rpc: Awaited<ReturnType<typeof serve<typeof GRPCBroker>>>, ids: number[]) {
  const stream = rpc.startStream({ deadline: DEADLINE_MS });
  for (const id of ids) stream.send(info(id));
  stream.end();
  return collect(stream.responses);
}

async function collect<T>(responses: AsyncIterable<T>): Promise<{ messages: T[]; error?: PolyplugError }> {
  const messages: T[] = [];
  try {
    for await (const message of responses) messages.push(message);
    return { messages };
  } catch (reason) {
    return { messages, error: reason as PolyplugError };
  }
}

const grpcStatus = (error: PolyplugError | undefined) =>
  (error?.details as { grpcStatus?: string } | undefined)?.grpcStatus;
const ids = (messages: ConnInfo[]) => messages.map((m) => `${m.serviceId}:${m.address}`);

describe("addRpcService bidi streaming", () => {
  it("answers after reading the whole request stream with for await", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        const seen: number[] = [];
        for await (const request of requests) seen.push(request.serviceId);
        await new Promise((resolve) => setImmediate(resolve));
        for (const id of seen) yield info(id * 10, "after-end");
        yield info(0, `total ${seen.length}`);
      },
    });
    const { messages, error } = await exchange(rpc, [1, 2, 3]);
    expect(error).toBeUndefined();
    expect(ids(messages)).toEqual(["10:after-end", "20:after-end", "30:after-end", "0:total 3"]);
  });

  it("answers while reading and again after the request stream ended", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        let count = 0;
        for await (const request of requests) {
          count++;
          yield info(request.serviceId, "echo");
        }
        yield info(count, "done");
      },
    });
    const { messages, error } = await exchange(rpc, [4, 5]);
    expect(error).toBeUndefined();
    expect(ids(messages)).toEqual(["4:echo", "5:echo", "2:done"]);
  });

  it("answers in lock step: the client sends the next request after each answer", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        let sum = 0;
        for await (const request of requests) {
          sum += request.serviceId;
          yield info(request.serviceId, "ack");
        }
        yield info(sum, "sum");
      },
    });
    const stream = rpc.startStream({ deadline: DEADLINE_MS });
    const answers = stream.responses[Symbol.asyncIterator]();
    const acks: string[] = [];
    for (const id of [7, 8, 9]) {
      stream.send(info(id));
      const next = await answers.next();
      acks.push(`${next.value?.serviceId}:${next.value?.address}`);
    }
    stream.end();
    const rest = await collect({ [Symbol.asyncIterator]: () => answers });
    expect(rest.error).toBeUndefined();
    expect([...acks, ...ids(rest.messages)]).toEqual(["7:ack", "8:ack", "9:ack", "24:sum"]);
  });

  it("answers with an empty request stream", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        let count = 0;
        for await (const _ of requests) count++;
        yield info(count, "none");
      },
    });
    const { messages, error } = await exchange(rpc, []);
    expect(error).toBeUndefined();
    expect(ids(messages)).toEqual(["0:none"]);
  });

  it("ends with the status the handler threw after reading everything", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        const seen: number[] = [];
        for await (const request of requests) seen.push(request.serviceId);
        yield info(seen.length, "partial");
        throw new RpcStatusError(grpc.status.FAILED_PRECONDITION, `refused ${seen.length} requests`);
      },
    });
    const { messages, error } = await exchange(rpc, [1, 2]);
    expect(ids(messages)).toEqual(["2:partial"]);
    expect(grpcStatus(error)).toBe("FAILED_PRECONDITION");
    expect(error?.message).toContain("refused 2 requests");
  });

  it("ends with the status the handler threw while reading", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        for await (const request of requests) {
          if (request.serviceId === 2) throw new RpcStatusError(grpc.status.INVALID_ARGUMENT, "no 2 please");
          yield info(request.serviceId, "ok");
        }
      },
    });
    const { messages, error } = await exchange(rpc, [1, 2, 3]);
    expect(ids(messages)).toEqual(["1:ok"]);
    expect(grpcStatus(error)).toBe("INVALID_ARGUMENT");
  });

  it("answers after leaving the loop early, with requests still unread", async () => {
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests) {
        for await (const request of requests) {
          yield info(request.serviceId, "first");
          break;
        }
        yield info(0, "after break");
      },
    });
    const { messages, error } = await exchange(rpc, [1, 2, 3]);
    expect(error).toBeUndefined();
    expect(ids(messages)).toEqual(["1:first", "0:after break"]);
  });

  it("aborts the handler's signal and ends its loop when the client cancels", async () => {
    let context: RpcCallContext | undefined;
    let loop: ((outcome: string) => void) | undefined;
    const loopEnded = new Promise<string>((resolve) => {
      loop = resolve;
    });
    let started: (() => void) | undefined;
    const firstSeen = new Promise<void>((resolve) => {
      started = resolve;
    });
    const rpc = await serve(GRPCBroker, {
      async *startStream(requests, call) {
        context = call;
        try {
          for await (const _ of requests) started?.();
          loop?.("ended");
        } catch (reason) {
          loop?.(`threw ${(reason as Error).name}`);
        }
        yield info(0, "never delivered");
      },
    });
    const stream = rpc.startStream({ deadline: DEADLINE_MS });
    stream.send(info(1));
    const answer = collect(stream.responses);
    await firstSeen;
    stream.cancel();
    // grpc-js may end the request side before it reports the cancel: wait for both.
    expect(await loopEnded).toMatch(/ended|threw/);
    const signal = context?.signal;
    if (signal && !signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve));
    expect(signal?.aborted).toBe(true);
    expect(grpcStatus((await answer).error)).toBe("CANCELLED");
  });
});

describe("addRpcService server streaming", () => {
  it("sends every message and OK when the handler awaits between them", async () => {
    const rpc = await serve(GRPCStdio, {
      async *streamStdio() {
        yield { channel: StdioData_Channel.STDOUT, data: Buffer.from("one") };
        await new Promise((resolve) => setImmediate(resolve));
        yield { channel: StdioData_Channel.STDERR, data: Buffer.from("two") };
      },
    });
    const { messages, error } = await collect(rpc.streamStdio({}, { deadline: DEADLINE_MS }));
    expect(error).toBeUndefined();
    expect(messages.map((m) => Buffer.from(m.data).toString())).toEqual(["one", "two"]);
  });

  it("finishes a handler blocked on a full write buffer when the client cancels", async () => {
    let finished: (() => void) | undefined;
    const handlerDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const rpc = await serve(GRPCStdio, {
      async *streamStdio() {
        try {
          for (;;) yield { channel: StdioData_Channel.STDOUT, data: Buffer.alloc(64 * 1024, 1) };
        } finally {
          finished?.();
        }
      },
    });
    const abort = new AbortController();
    const responses = rpc.streamStdio({}, { deadline: DEADLINE_MS, signal: abort.signal })[Symbol.asyncIterator]();
    await responses.next();
    abort.abort();
    await handlerDone;
    await responses.return?.();
  });

  it("ends with the status the handler threw after its messages", async () => {
    const rpc = await serve(GRPCStdio, {
      async *streamStdio() {
        yield { channel: StdioData_Channel.STDOUT, data: Buffer.from("one") };
        throw new RpcStatusError(grpc.status.UNAVAILABLE, "stdio went away");
      },
    });
    const { messages, error } = await collect(rpc.streamStdio({}, { deadline: DEADLINE_MS }));
    expect(messages).toHaveLength(1);
    expect(grpcStatus(error)).toBe("UNAVAILABLE");
    expect(error?.message).toContain("stdio went away");
  });
});
