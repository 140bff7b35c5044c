import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  generateAutoMtlsCertificate,
  type CertificateKeyPair,
} from "@polyplug/sdk/internal/goplugin/mtls-certificate.js";
import { serverCredentials, type ListenAddress, type MutualTls } from "@polyplug/sdk/internal/goplugin/channel.js";
import { GatewayAPI } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { RpcStatusError } from "@polyplug/sdk/internal/rpc/rpc-error.js";
import { addRpcService } from "@polyplug/sdk/internal/rpc/server.js";
import type { Http2UnaryOptions, UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { createH2UnaryTransport } from "../../src/rpc/h2/unary-transport.js";
import { createHttp2UnaryTransport } from "../../src/rpc/http2-unary.js";

/** Both unary transports must behave identically: node:http2 (the fallback) and rpc/h2. */
export const UNARY_TRANSPORTS: ReadonlyArray<readonly [string, (options: Http2UnaryOptions) => UnaryTransport]> = [
  ["node:http2", createHttp2UnaryTransport],
  ["rpc/h2", createH2UnaryTransport],
];

/** What the test server saw of its calls. */
export interface ServerLog {
  /** Keys of calls whose handler saw the caller cancel (deadline or abort). */
  readonly cancelled: string[];
  /** The last call's `x-test` metadata and whether it carried a deadline. */
  last: { metadata: string | undefined; hadDeadline: boolean } | undefined;
}

/** A running grpc-js server with the scripted GatewayAPI below. */
export interface TestServer {
  readonly listen: ListenAddress;
  readonly log: ServerLog;
  stop(): Promise<void>;
}

/** Both sides' AutoMTLS material: `client` for the caller, `server` for the test server. */
export interface TlsPair {
  readonly client: MutualTls;
  readonly server: MutualTls;
}

/** Fresh AutoMTLS certificates for a client and a server that trust only each other. */
export async function tlsPair(): Promise<TlsPair> {
  const [client, server]: CertificateKeyPair[] = await Promise.all([
    generateAutoMtlsCertificate(),
    generateAutoMtlsCertificate(),
  ]);
  if (!client || !server) throw new Error("certificate generation failed");
  return {
    client: { certPem: client.certPem, keyPem: client.keyPem, peerCertPem: server.certPem },
    server: { certPem: server.certPem, keyPem: server.keyPem, peerCertPem: client.certPem },
  };
}

/** A fresh unix socket path. */
export function socketPath(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "polyplug-rpc-")), "grpc.sock");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Starts a grpc-js server for polyplug.v1.GatewayAPI whose kvGet is driven by the key:
 * `size:N` answers N bytes; `slow:MS` answers after MS ms (noting cancellation);
 * `fail` answers NOT_FOUND with a non-ASCII message; `meta` echoes the `x-test` header.
 * kvSet answers the value it received as `currentValue` (a payload both ways).
 */
export async function startTestServer(
  network: "unix" | "tcp",
  tls: MutualTls | undefined,
  at?: string,
): Promise<TestServer> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const log: ServerLog = { cancelled: [], last: undefined };
  addRpcService(server, GatewayAPI, {
    kvGet: async ({ key }, context) => {
      const header = context.metadata.get("x-test")[0];
      log.last = {
        metadata: header === undefined ? undefined : String(header),
        hadDeadline: context.deadline !== undefined,
      };
      if (key.startsWith("size:")) return { found: true, value: new Uint8Array(Number(key.slice(5))).fill(7) };
      if (key.startsWith("slow:")) {
        await sleep(Number(key.slice(5)), context.signal);
        if (context.signal.aborted) log.cancelled.push(key);
        return { found: true };
      }
      if (key === "fail") throw new RpcStatusError(grpc.status.NOT_FOUND, "no such key: café 100% ✓");
      if (key === "meta") return { found: true, value: Buffer.from(log.last.metadata ?? "") };
      return { found: false };
    },
    kvSet: ({ value }) => ({ applied: false, currentValue: value, currentFound: true }),
  });
  const target = network === "unix" ? `unix://${at ?? socketPath()}` : "127.0.0.1:0";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(target, serverCredentials(tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const listen: ListenAddress =
    network === "unix"
      ? { network, address: target.slice("unix://".length) }
      : { network, address: `127.0.0.1:${port}` };
  return {
    listen,
    log,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
