import { chmod } from "node:fs/promises";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import type { ListenAddress } from "@polyplug/sdk/internal/goplugin/channel.js";

/**
 * Binds a server the host offers on the broker to `host-broker-<id>.sock` in the plugin's
 * private socket directory (what go-plugin's host does with its unix socket config).
 */
export async function listenInSocketDir(
  socketDir: string,
  server: grpc.Server,
  id: number,
  credentials: grpc.ServerCredentials,
): Promise<ListenAddress> {
  const address = join(socketDir, `host-broker-${id}.sock`);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${address}`, credentials, (error) => (error ? reject(error) : resolve())),
  ).catch((cause: unknown) => {
    throw new Error(`could not bind ${address}: ${(cause as Error).message}`, { cause });
  });
  // A sandboxed plugin runs under its own uid; the 0700 socket dir it owns is what keeps others out.
  await chmod(address, 0o666).catch(() => undefined);
  return { network: "unix", address };
}
