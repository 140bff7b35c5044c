import * as grpc from "@grpc/grpc-js";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { ListenAddress, MutualTls } from "../rpc/endpoint.js";
import { LIMITS } from "../contract/limits.js";

export type { ListenAddress, MutualTls } from "../rpc/endpoint.js";

/**
 * Largest gRPC message on every plugin connection, both directions (main and brokered):
 * the contract's limit (proto/README §1, 16 MiB). A bigger answer from a plugin fails the
 * call with resource_exhausted instead of being buffered.
 */
export const MAX_MESSAGE_BYTES: number = LIMITS.messageBytes;

/** The grpc-js target string for a listen address. */
export function grpcTarget(listen: ListenAddress): string {
  return listen.network === "unix"
    ? `unix://${listen.address}`
    : `ipv4:${listen.address.replace(/^localhost:/, "127.0.0.1:")}`;
}

/** Client credentials: plaintext, or AutoMTLS verifying the peer as `localhost`. */
export function clientCredentials(tls: MutualTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(Buffer.from(tls.peerCertPem), Buffer.from(tls.keyPem), Buffer.from(tls.certPem));
}

/** Server credentials: plaintext, or AutoMTLS requiring and verifying the peer's certificate. */
export function serverCredentials(tls: MutualTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    Buffer.from(tls.peerCertPem),
    [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
    true,
  );
}

/** Opens a gRPC client (one HTTP/2 connection) to a plugin or brokered address. */
export function createGrpcClient(
  listen: ListenAddress,
  tls: MutualTls | undefined,
  maxMessageBytes = MAX_MESSAGE_BYTES,
): grpc.Client {
  const options: grpc.ChannelOptions = {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.default_authority": "localhost",
    "grpc.enable_retries": 0,
    // channelz (grpc-js's introspection registry, traces kept per channel and subchannel) is read by nothing here.
    "grpc.enable_channelz": 0,
  };
  if (tls) options["grpc.ssl_target_name_override"] = "localhost";
  return new grpc.Client(grpcTarget(listen), clientCredentials(tls), options);
}

/**
 * The error for a connection to the plugin that did not come up within `timeoutMs`:
 * `tls_failed` or `unavailable`, naming the address (with a hint for AutoMTLS).
 */
export function connectionFailed(
  listen: ListenAddress,
  timeoutMs: number,
  tls: boolean,
  cause: unknown,
  peer = "plugin",
): PolyplugError {
  const code = tls ? ErrorCode.TlsFailed : ErrorCode.Unavailable;
  const hint = !tls
    ? ""
    : peer === "plugin"
      ? " with AutoMTLS (check that the plugin honours PLUGIN_CLIENT_CERT and serves the certificate it announced)"
      : " with AutoMTLS";
  return new PolyplugError(
    code,
    `could not connect to the ${peer} at ${listen.network}:${listen.address}${hint} within ${timeoutMs} ms`,
    {
      cause,
      details: { network: listen.network, address: listen.address },
    },
  );
}

/** Waits until the client's connection to `peer` is up (for TLS: handshake done). Fails as `connectionFailed` says. */
export async function waitForConnection(
  client: grpc.Client,
  listen: ListenAddress,
  timeoutMs: number,
  tls: boolean,
  peer = "plugin",
): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
    );
  } catch (cause) {
    throw connectionFailed(listen, timeoutMs, tls, cause, peer);
  }
}
