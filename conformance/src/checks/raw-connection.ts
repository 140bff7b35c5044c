import * as grpc from "@grpc/grpc-js";
import type { CheckContext } from "../check-context.js";
import { assert, fail } from "../check-outcome.js";
import type { RawPlugin, RawSpawnOptions } from "../raw-plugin.js";

/** The six (or seven) fields of a handshake line, split but not validated. */
export interface RawHandshake {
  readonly line: string;
  readonly fields: readonly string[];
  readonly network: string;
  readonly address: string;
}

/** Client TLS material for a raw connection; without `certPem`/`keyPem` no client certificate is offered. */
export interface RawTls {
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly peerCertPem: string;
}

/** Spawns the plugin raw and waits for its handshake line. */
export async function spawnUntilHandshake(
  ctx: CheckContext,
  options: RawSpawnOptions = {},
): Promise<{ raw: RawPlugin; handshake: RawHandshake }> {
  const raw = await ctx.raw(options);
  let line: string;
  try {
    line = await raw.firstLine(ctx.settings.startTimeoutMs);
  } catch (error) {
    fail(`no handshake line: ${error instanceof Error ? error.message : String(error)}`);
  }
  ctx.trace("handshake line", line);
  const fields = line.split("|");
  assert(
    fields.length >= 4,
    `the handshake line has ${fields.length} fields, at least 4 expected: ${JSON.stringify(line)}`,
  );
  return { raw, handshake: { line, fields, network: fields[2] ?? "", address: fields[3] ?? "" } };
}

/** Opens a grpc-js client to the address a handshake announced (plaintext unless `tls`). */
export function rawClient(ctx: CheckContext, handshake: RawHandshake, tls?: RawTls): grpc.Client {
  const target = handshake.network === "unix" ? `unix://${handshake.address}` : `ipv4:${handshake.address}`;
  const credentials = tls
    ? grpc.credentials.createSsl(
        Buffer.from(tls.peerCertPem),
        tls.keyPem ? Buffer.from(tls.keyPem) : null,
        tls.certPem ? Buffer.from(tls.certPem) : null,
      )
    : grpc.credentials.createInsecure();
  const options: grpc.ChannelOptions = {
    "grpc.default_authority": "localhost",
    "grpc.enable_retries": 0,
    ...(tls ? { "grpc.ssl_target_name_override": "localhost" } : {}),
  };
  const client = new grpc.Client(target, credentials, options);
  ctx.defer(() => client.close());
  return client;
}

/**
 * Reads the next item of a stream or reports that none came within `ms`:
 * `{ kind: "open" }` when the stream is still open and silent.
 */
export async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  ms: number,
): Promise<{ kind: "item"; value: T } | { kind: "ended" } | { kind: "error"; error: unknown } | { kind: "open" }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ kind: "open" }>((resolve) => (timer = setTimeout(() => resolve({ kind: "open" }), ms)));
  const next = iterator.next().then(
    (result) => (result.done ? ({ kind: "ended" } as const) : ({ kind: "item", value: result.value } as const)),
    (error: unknown) => ({ kind: "error", error }) as const,
  );
  try {
    return await Promise.race([next, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
