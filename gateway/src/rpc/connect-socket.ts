/**
 * The byte stream under an HTTP/2 connection to a plugin (both unary transports): a unix or TCP socket, plaintext or
 * AutoMTLS (our certificate, the plugin's certificate as the only CA, server name
 * `localhost`, ALPN `h2`, which grpc-go requires).
 */
import net from "node:net";
import tls from "node:tls";
import type { ListenAddress, MutualTls } from "@polyplug/sdk/internal/rpc/endpoint.js";

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host: host === "localhost" || host === "" ? "127.0.0.1" : host, port: Number(address.slice(colon + 1)) };
}

/**
 * Starts connecting to `listen`; the socket emits `connect` (plaintext) or `secureConnect`
 * (TLS) when ready, and buffers writes until then. Failures arrive as `error` events.
 */
export function connectSocket(listen: ListenAddress, mtls: MutualTls | undefined): net.Socket {
  const where = listen.network === "unix" ? { path: listen.address } : hostPort(listen.address);
  const socket = mtls
    ? tls.connect({
        ...where,
        cert: mtls.certPem,
        key: mtls.keyPem,
        ca: [mtls.peerCertPem],
        servername: "localhost",
        ALPNProtocols: ["h2"],
      })
    : net.connect(where);
  socket.setNoDelay(true);
  return socket;
}
