import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { GRPCController } from "../gen/plugin/grpc_controller_pb.js";
import { GRPCStdio, StdioData_Channel, StdioDataSchema, type StdioData } from "../gen/plugin/grpc_stdio_pb.js";
import { GRPCBroker } from "../gen/plugin/grpc_broker_pb.js";
import { addRpcService } from "../rpc/server.js";
import { RpcStatusError } from "../rpc/rpc-error.js";
import { AsyncQueue } from "../async-queue.js";
import type { BrokerService } from "./broker.js";
import { setStdoutSink } from "./stdout-guard.js";

/** go-plugin's stdio chunk size. */
const STDIO_CHUNK_BYTES = 1024;
/** Chunks queued for a slow host before stdout output is dropped (bounded memory). */
const MAX_QUEUED_STDIO_CHUNKS = 4096;

/**
 * Registers go-plugin's own services: health (`plugin` and `""` answer SERVING), the
 * controller (Shutdown replies, then calls `shutdown`), stdio (stdout written after the
 * handshake, in 1 KiB chunks) and the broker.
 */
export function addGoPluginServices(server: grpc.Server, options: { broker: BrokerService; shutdown: () => void }): void {
  addRpcService(server, Health, {
    check(request) {
      if (request.service === "plugin" || request.service === "") return { status: HealthCheckResponse_ServingStatus.SERVING };
      throw new RpcStatusError(grpc.status.NOT_FOUND, `unknown health service ${JSON.stringify(request.service)}`);
    },
  });
  addRpcService(server, GRPCController, {
    shutdown() {
      // Answer first; stop once the reply had a moment to leave.
      setTimeout(options.shutdown, 20).unref();
      return {};
    },
  });
  addRpcService(server, GRPCStdio, {
    streamStdio(_request, context) {
      const queue = new AsyncQueue<StdioData>();
      setStdoutSink((bytes) => {
        for (let offset = 0; offset < bytes.length; offset += STDIO_CHUNK_BYTES) {
          if (queue.size >= MAX_QUEUED_STDIO_CHUNKS) return;
          const data = bytes.slice(offset, offset + STDIO_CHUNK_BYTES);
          queue.push(create(StdioDataSchema, { channel: StdioData_Channel.STDOUT, data })).catch(() => undefined);
        }
      });
      context.signal.addEventListener(
        "abort",
        () => {
          setStdoutSink(undefined);
          queue.close();
        },
        { once: true },
      );
      return queue;
    },
  });
  addRpcService(server, GRPCBroker, { startStream: (requests, context) => options.broker.startStream(requests, context) });
}
