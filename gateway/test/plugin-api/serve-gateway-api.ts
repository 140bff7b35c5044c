import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { createGatewayApiHandlers, type GatewayApiDeps } from "../../src/plugin-api/gateway-api.js";
import { createRpcClient, type RpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { addRpcService } from "@polyplug/sdk/internal/rpc/server.js";

const sixteenMiB = 16 * 1024 * 1024;
const messageLimits = { "grpc.max_receive_message_length": sixteenMiB, "grpc.max_send_message_length": sixteenMiB };

/** A GatewayAPI served on a real grpc-js server over a unix socket, and a client for it. */
export interface ServedGatewayApi {
  readonly client: RpcClient<typeof GatewayAPI>;
  close(): Promise<void>;
}

/** Serves `createGatewayApiHandlers(deps)` on a fresh unix socket and connects a client. */
export async function serveGatewayApi(deps: GatewayApiDeps): Promise<ServedGatewayApi> {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-gwapi-"));
  const address = `unix://${path.join(dir, "gateway-api.sock")}`;
  const server = new grpc.Server(messageLimits);
  addRpcService(server, GatewayAPI, createGatewayApiHandlers(deps));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  const channel = new grpc.Client(address, grpc.credentials.createInsecure(), messageLimits);
  return {
    client: createRpcClient(GatewayAPI, channel),
    async close() {
      channel.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
