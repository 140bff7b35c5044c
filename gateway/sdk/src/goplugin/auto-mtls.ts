import { X509Certificate } from "node:crypto";
import { generateAutoMtlsCertificate } from "./mtls-certificate.js";
import type { MutualTls } from "./channel.js";
import { StartupError } from "./listener.js";

/** The plugin's AutoMTLS material and the value of handshake field 6. */
export interface PluginAutoMtls {
  /** Own certificate and key, and the host's certificate as the only trusted peer. */
  readonly tls: MutualTls;
  /** Own certificate as DER, base64 standard alphabet, without `=` padding. */
  readonly handshakeField: string;
}

/**
 * Sets up AutoMTLS from PLUGIN_CLIENT_CERT (the host's PEM certificate): generates a
 * fresh P-521 certificate with go-plugin's recipe and trusts only the host's certificate,
 * for the main server and for brokered connections in both directions. Returns
 * `undefined` when the variable is unset or empty (plaintext).
 */
export async function setupAutoMtls(hostCertPem: string | undefined): Promise<PluginAutoMtls | undefined> {
  if (!hostCertPem) return undefined;
  let hostCert: X509Certificate;
  try {
    hostCert = new X509Certificate(hostCertPem);
  } catch (error) {
    throw new StartupError(`PLUGIN_CLIENT_CERT does not hold a PEM certificate: ${(error as Error).message}`);
  }
  const own = await generateAutoMtlsCertificate();
  const der = new X509Certificate(own.certPem).raw;
  return {
    tls: { certPem: own.certPem, keyPem: own.keyPem, peerCertPem: hostCert.toString() },
    handshakeField: der.toString("base64").replace(/=+$/, ""),
  };
}
