import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { generateAutoMtlsCertificate, serverCertificateToPem } from "./mtls-certificate.js";

describe("generateAutoMtlsCertificate", () => {
  it("follows go-plugin's recipe: P-521, localhost, CA, self-signed, long-lived", async () => {
    const { certPem, keyPem } = await generateAutoMtlsCertificate();
    const cert = new X509Certificate(certPem);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp521r1");
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(cert.validTo).getFullYear()).toBeGreaterThan(new Date().getFullYear() + 25);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("turns handshake DER into PEM and rejects garbage with tls_failed", async () => {
    const { certPem } = await generateAutoMtlsCertificate();
    const der = new X509Certificate(certPem).raw;
    expect(serverCertificateToPem(der)).toContain("BEGIN CERTIFICATE");
    expect(() => serverCertificateToPem(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: ErrorCode.TlsFailed }),
    );
  });
});
