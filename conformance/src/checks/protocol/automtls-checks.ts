import { X509Certificate } from "node:crypto";
import { createRpcClient, generateAutoMtlsCertificate } from "polyplug/host";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail } from "../../check-outcome.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { rawClient, spawnUntilHandshake } from "../raw-connection.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
}

async function spawnWithHostCert(ctx: Parameters<CheckFunction>[0]) {
  const host = await generateAutoMtlsCertificate();
  const { raw, handshake } = await spawnUntilHandshake(ctx, { env: { PLUGIN_CLIENT_CERT: host.certPem } });
  const field = handshake.fields[5] ?? "";
  assert(
    field.length > 50,
    `with PLUGIN_CLIENT_CERT set, field 6 must carry the plugin certificate (got ${field.length} characters)`,
  );
  assert(/^[A-Za-z0-9+/]+$/.test(field), "field 6 must be standard-alphabet base64 without '=' padding");
  const der = Buffer.from(field, "base64");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (error) {
    fail(
      `field 6 does not decode to a DER X.509 certificate: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { raw, handshake, host, cert, pluginPem: derToPem(der) };
}

/** The certificate in field 6 follows the recipe of proto/README.md §3.1. */
export const automtlsCertificate: CheckFunction = async (ctx) => {
  const { cert } = await spawnWithHostCert(ctx);
  ctx.trace("plugin certificate", {
    subject: cert.subject,
    san: cert.subjectAltName,
    ca: cert.ca,
    eku: cert.keyUsage,
    validFrom: cert.validFrom,
    validTo: cert.validTo,
  });
  const curve = cert.publicKey.asymmetricKeyDetails?.namedCurve;
  assertEqual(cert.publicKey.asymmetricKeyType, "ec", "key type");
  assertEqual(curve, ctx.spec.expect.curve ?? "secp521r1", "key curve");
  assert(
    /(^|\n)CN=localhost(\n|$)/.test(cert.subject),
    `subject must have CN=localhost, got ${JSON.stringify(cert.subject)}`,
  );
  assertEqual(cert.subjectAltName, "DNS:localhost", "subject alternative names");
  assert(cert.ca, "basic constraints must say CA=true (the certificate is its own root)");
  const eku = cert.keyUsage ?? [];
  assert(
    eku.includes(SERVER_AUTH) && eku.includes(CLIENT_AUTH),
    `extended key usage must include serverAuth and clientAuth, got ${JSON.stringify(eku)}`,
  );
  assert(cert.checkIssued(cert) && cert.verify(cert.publicKey), "the certificate must be self-signed");
  const now = Date.now();
  assert(new Date(cert.validFrom).getTime() <= now, `validity starts in the future (${cert.validFrom})`);
  assert(
    new Date(cert.validTo).getTime() > now + 365 * 24 * 3600 * 1000,
    `validity must extend years ahead, ends ${cert.validTo}`,
  );
};

/** The host core connects with AutoMTLS and the plugin answers health. */
export const automtlsConnect: CheckFunction = async (ctx) => {
  const plugin = await ctx.start({ autoMtls: true });
  assert(plugin.mtls, "the connection is not using AutoMTLS");
  assertEqual(await plugin.health(5000), "SERVING", "health over AutoMTLS");
};

type Spawned = Awaited<ReturnType<typeof spawnWithHostCert>>;

/** Health over TLS to the spawned plugin with `client` (or no client certificate): the status name, or undefined when refused. */
async function healthOverTls(
  ctx: Parameters<CheckFunction>[0],
  spawned: Spawned,
  label: string,
  client?: { certPem: string; keyPem: string },
): Promise<string | undefined> {
  const connection = rawClient(ctx, spawned.handshake, { ...client, peerCertPem: spawned.pluginPem });
  try {
    const answer = await createRpcClient(Health, connection).check({ service: "plugin" }, { deadline: 3000 });
    return HealthCheckResponse_ServingStatus[answer.status] ?? "answered";
  } catch (error) {
    ctx.trace(`${label}: refused`, error instanceof Error ? error.message : String(error));
    return undefined;
  } finally {
    connection.close();
  }
}

/** The plugin's TLS server refuses a client certificate other than PLUGIN_CLIENT_CERT. */
export const automtlsRejectsUnknownClient: CheckFunction = async (ctx) => {
  const spawned = await spawnWithHostCert(ctx);
  const stranger = await generateAutoMtlsCertificate();
  assertEqual(
    await healthOverTls(ctx, spawned, "the host's own certificate", spawned.host),
    "SERVING",
    "health with the certificate given in PLUGIN_CLIENT_CERT",
  );
  const answered = await healthOverTls(ctx, spawned, "a stranger's certificate", stranger);
  assert(
    answered === undefined,
    `the plugin accepted a client certificate other than PLUGIN_CLIENT_CERT (health answered ${answered}); it must trust only the host's certificate`,
  );
};

/** The plugin's TLS server requires a client certificate: a TLS client offering none is refused. */
export const automtlsRequiresClientCertificate: CheckFunction = async (ctx) => {
  const spawned = await spawnWithHostCert(ctx);
  assertEqual(
    await healthOverTls(ctx, spawned, "the host's own certificate", spawned.host),
    "SERVING",
    "health with the certificate given in PLUGIN_CLIENT_CERT",
  );
  const answered = await healthOverTls(ctx, spawned, "no client certificate");
  assert(
    answered === undefined,
    `the plugin accepted a TLS connection that offered no client certificate (health answered ${answered}); as a TLS server it must require one and verify it (a certificate made optional lets any local process that reaches the socket call the plugin)`,
  );
};
