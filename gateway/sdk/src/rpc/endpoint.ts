/**
 * Where a gRPC peer listens and the TLS material to reach it: shared by the go-plugin core
 * (goplugin/channel.ts, the broker, the handshake) and the unary transports, so the transports
 * need nothing from the core (the dependency runs goplugin → rpc only).
 */

/** Network of a listener, as a go-plugin handshake line or broker ConnInfo announces it. */
export type PluginNetwork = "unix" | "tcp";

/** Where a gRPC server of the plugin (or the host) listens. */
export interface ListenAddress {
  readonly network: PluginNetwork;
  /** Absolute socket path (unix) or `host:port` (tcp). */
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
