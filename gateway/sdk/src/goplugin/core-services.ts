import * as grpc from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { GRPCController } from "../gen/plugin/grpc_controller_pb.js";
import { GRPCStdio } from "../gen/plugin/grpc_stdio_pb.js";
import { GRPCBroker } from "../gen/plugin/grpc_broker_pb.js";
import { addRpcService } from "../rpc/server.js";
import { RpcStatusError } from "../rpc/rpc-error.js";
import type { BrokerService } from "./plugin-broker.js";
import { serveStdio } from "./stdio.js";
import { setStdoutSink } from "./stdout-guard.js";

/**
 * Registers go-plugin's own services: health (`plugin` and `""` answer SERVING), the
 * controller (Shutdown replies, then calls `shutdown`), stdio (stdout written after the
 * handshake, in 1 KiB chunks) and the broker.
 */
export function addGoPluginServices(
  server: grpc.Server,
  options: { broker: BrokerService; shutdown: () => void },
): void {
  addRpcService(server, Health, {
    check(request) {
      if (request.service === "plugin" || request.service === "")
        return { status: HealthCheckResponse_ServingStatus.SERVING };
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
  addRpcService(server, GRPCStdio, { streamStdio: (_request, context) => serveStdio(context, setStdoutSink) });
  addRpcService(server, GRPCBroker, {
    startStream: (requests, context) => options.broker.startStream(requests, context),
  });
}
