import * as grpc from "@grpc/grpc-js";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { PluginNetwork } from "./handshake.js";

/** Where a gRPC server of the plugin (or the host) listens. */
export interface ListenAddress {
  readonly network: PluginNetwork;
  readonly address: string;
}

/** TLS material for one side of an AutoMTLS connection. */
export interface MutualTls {
  /** This side's certificate and key (PEM). */
  readonly certPem: string;
  readonly keyPem: string;
  /** The only certificate trusted for the peer (PEM). */
  readonly peerCertPem: string;
}

/**
 * Largest gRPC message on every plugin connection, both directions (main and brokered):
 * the contract's limit (proto/README §1, 16 MiB). A bigger answer from a plugin fails the
 * call with resource_exhausted instead of being buffered.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The grpc-js target string for a listen address. */
export function grpcTarget(listen: ListenAddress): string {
  return listen.network === "unix" ? `unix://${listen.address}` : `ipv4:${listen.address.replace(/^localhost:/, "127.0.0.1:")}`;
}

/** Client credentials: plaintext, or AutoMTLS verifying the peer as `localhost`. */
export function clientCredentials(tls: MutualTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(Buffer.from(tls.peerCertPem), Buffer.from(tls.keyPem), Buffer.from(tls.certPem));
}

/** Server credentials: plaintext, or AutoMTLS requiring and verifying the peer's certificate. */
export function serverCredentials(tls: MutualTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(Buffer.from(tls.peerCertPem), [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }], true);
}

/** Opens a gRPC client (one HTTP/2 connection) to a plugin or brokered address. */
export function createGrpcClient(listen: ListenAddress, tls: MutualTls | undefined, maxMessageBytes = MAX_MESSAGE_BYTES): grpc.Client {
  const options: grpc.ChannelOptions = {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.default_authority": "localhost",
    "grpc.enable_retries": 0,
  };
  if (tls) options["grpc.ssl_target_name_override"] = "localhost";
  return new grpc.Client(grpcTarget(listen), clientCredentials(tls), options);
}

/**
 * Waits until the client's connection is up (for TLS: handshake done). Fails with
 * `tls_failed` or `unavailable`, naming the address.
 */
export async function waitForConnection(client: grpc.Client, listen: ListenAddress, timeoutMs: number, tls: boolean): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
    );
  } catch (cause) {
    const code = tls ? ErrorCode.TlsFailed : ErrorCode.Unavailable;
    const hint = tls ? " with AutoMTLS (check that the plugin honours PLUGIN_CLIENT_CERT and serves the certificate it announced)" : "";
    throw new PolyplugError(code, `could not connect to the plugin at ${listen.network}:${listen.address}${hint} within ${timeoutMs} ms`, {
      cause,
      details: { network: listen.network, address: listen.address },
    });
  }
}
