import { create } from "@bufbuild/protobuf";
import { GRPCStdio, StdioData_Channel, StdioDataSchema, type StdioData } from "../gen/plugin/grpc_stdio_pb.js";
import { AsyncQueue } from "../async-queue.js";
import { PolyplugError } from "../errors.js";
import { createRpcClient, type RpcTarget } from "../rpc/client.js";
import type { RpcCallContext } from "../rpc/server.js";

/** go-plugin's stdio chunk size. */
const STDIO_CHUNK_BYTES = 1024;
/** Chunks queued for a slow host before stdout output is dropped (bounded memory). */
const MAX_QUEUED_STDIO_CHUNKS = 4096;

/**
 * The plugin end of `plugin.GRPCStdio/StreamStdio` (go-plugin's grpcStdioServer): `connect`
 * gets a sink whose output goes to the host in 1 KiB chunks (a host that does not read loses
 * output beyond MAX_QUEUED_STDIO_CHUNKS rather than growing memory), and `undefined` when the
 * host ends the stream.
 */
export function serveStdio(
  context: RpcCallContext,
  connect: (sink: ((bytes: Uint8Array) => void) | undefined) => void,
): AsyncIterable<StdioData> {
  const queue = new AsyncQueue<StdioData>();
  connect((bytes) => {
    for (let offset = 0; offset < bytes.length; offset += STDIO_CHUNK_BYTES) {
      if (queue.size >= MAX_QUEUED_STDIO_CHUNKS) return;
      const data = bytes.slice(offset, offset + STDIO_CHUNK_BYTES);
      queue.push(create(StdioDataSchema, { channel: StdioData_Channel.STDOUT, data })).catch(() => undefined);
    }
  });
  context.signal.addEventListener(
    "abort",
    () => {
      connect(undefined);
      queue.close();
    },
    { once: true },
  );
  return queue;
}

/** What the host end hands on. */
export interface StdioReader {
  data(channel: "stdout" | "stderr", bytes: Uint8Array): void;
  /** A chunk on a channel other than stdout/stderr (dropped). */
  unknownChannel(channel: number): void;
  /** The stream ended with an unexpected error (not UNIMPLEMENTED, UNAVAILABLE, CANCELLED). */
  failed(reason: unknown): void;
  /** The stream is over, however it ended. */
  end(): void;
}

/** Stream ends that are normal: a plugin without stdio, the plugin going away, our own stop. */
const quietEnds = new Set(["UNIMPLEMENTED", "UNAVAILABLE", "CANCELLED"]);

/**
 * The host end (go-plugin's grpcStdioClient): opens `StreamStdio` once and hands every chunk
 * to `reader`. Returns a function that stops reading.
 */
export function readStdio(client: RpcTarget, reader: StdioReader): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      for await (const chunk of createRpcClient(GRPCStdio, client).streamStdio({}, { signal: controller.signal })) {
        if (chunk.channel === StdioData_Channel.STDOUT) reader.data("stdout", chunk.data);
        else if (chunk.channel === StdioData_Channel.STDERR) reader.data("stderr", chunk.data);
        else reader.unknownChannel(chunk.channel);
      }
    } catch (reason) {
      const status = reason instanceof PolyplugError ? String(reason.details.grpcStatus ?? "") : "";
      if (!quietEnds.has(status)) reader.failed(reason);
    } finally {
      reader.end();
    }
  })();
  return () => controller.abort();
}
