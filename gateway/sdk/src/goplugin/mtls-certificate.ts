import { webcrypto, X509Certificate } from "node:crypto";
import { ErrorCode, PolyplugError } from "../errors.js";

type X509Module = typeof import("@peculiar/x509");
let x509Module: Promise<X509Module> | undefined;

// Loaded on first use: only AutoMTLS needs certificate generation, and @peculiar/x509
// needs the reflect-metadata polyfill before it loads.
async function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Module;
}

/** A certificate and its private key, PEM encoded. */
export interface CertificateKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

// go-plugin's recipe: valid from 30 s ago for 262 980 hours (~30 years).
const BACKDATE_MS = 30_000;
const LIFETIME_MS = 262_980 * 3600_000;

function toPem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString("base64")
    .replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/**
 * Generates a self-signed certificate the way go-plugin's AutoMTLS does: ECDSA P-521,
 * SHA-512 signature, CN and DNS SAN `localhost`, CA, client and server auth. Both sides
 * trust exactly the other side's certificate.
 */
export async function generateAutoMtlsCertificate(now: Date = new Date()): Promise<CertificateKeyPair> {
  const x509 = await loadX509();
  const algorithm = { name: "ECDSA", namedCurve: "P-521", hash: "SHA-512" };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // keep the serial a positive integer
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: "CN=localhost, O=Polyplug",
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + LIFETIME_MS),
    signingAlgorithm: algorithm,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.keyAgreement |
          x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: cert.toString("pem") + "\n", keyPem: toPem("PRIVATE KEY", pkcs8) };
}

/**
 * Turns the DER certificate from handshake field 6 into PEM, checking that it parses
 * and names `localhost` — the only name the host will verify it against.
 */
export function serverCertificateToPem(der: Uint8Array): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new PolyplugError(
      ErrorCode.TlsFailed,
      "error parsing the plugin's server certificate from the handshake line (field 6 must be base64 DER)",
      {
        cause,
      },
    );
  }
  if (cert.checkHost("localhost") === undefined) {
    throw new PolyplugError(
      ErrorCode.TlsFailed,
      `the plugin's server certificate is not valid for "localhost" (subject: ${cert.subject.replace(/\n/g, ", ")})`,
    );
  }
  return cert.toString();
}
