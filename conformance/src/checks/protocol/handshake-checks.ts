import { isAbsolute } from "node:path";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail, show } from "../../check-outcome.js";
import { spawnUntilHandshake } from "../raw-connection.js";

/** Cookie missing or wrong: exactly go-plugin's three stderr lines, nothing on stdout, exit 1. */
export const cookieRejected: CheckFunction = async (ctx) => {
  const cookie = ctx.spec.params.cookie;
  const key = ctx.settings.handshake.magicCookieKey;
  const raw = await ctx.raw(typeof cookie === "string" ? { env: { [key]: cookie } } : { omit: [key] });
  const exit = await raw.waitExit(Number(ctx.spec.expect.within_ms ?? 5000));
  ctx.trace("exit", exit);
  ctx.trace("stderr", raw.stderr());
  if (!exit)
    fail(
      `the plugin was started ${typeof cookie === "string" ? "with a wrong" : "without the"} magic cookie and was still running after ${ctx.spec.expect.within_ms ?? 5000} ms; it must refuse to start`,
    );
  assertEqual(exit.code, ctx.spec.expect.exit_code ?? 1, "exit code");
  assertEqual(raw.stdout().toString("utf8"), "", "stdout");
  const expected = String(ctx.spec.expect.stderr ?? "");
  assert(
    raw.stderr().includes(expected),
    `stderr must contain exactly these lines:\n${expected}\ngot:\n${raw.stderr()}`,
  );
};

const BASE64_RAW_STD = /^[A-Za-z0-9+/]*$/;

/** The handshake line: first stdout bytes, six `|`-separated fields with the documented values. */
export const handshakeLine: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  const { line, fields } = handshake;
  assert(raw.stdout()[0] !== 0x0a, "stdout starts with an empty line; the handshake must be the first output");
  assert(!line.endsWith("\r"), `the handshake line ends with \\r; end it with \\n only`);
  assert(!/\s/.test(line), `the handshake line contains whitespace: ${show(line)}`);
  assertEqual(
    fields.length,
    6,
    `number of fields in ${show(line)} (without AutoMTLS and multiplexing the line ends in "|")`,
  );
  assertEqual(fields[0], "1", "field 1 (core protocol version)");
  const version = Number(fields[1]);
  assert(
    ctx.features.appProtocolVersions.includes(version),
    `field 2 (app protocol version) is ${show(fields[1])}; expected one of ${show(ctx.features.appProtocolVersions)}`,
  );
  assert(
    fields[2] === "unix" || fields[2] === "tcp",
    `field 3 (network) is ${show(fields[2])}; expected "unix" or "tcp"`,
  );
  if (fields[2] === "unix")
    assert(isAbsolute(fields[3] ?? ""), `field 4 (address) must be an absolute socket path, got ${show(fields[3])}`);
  else
    assert(
      /^127\.0\.0\.1:\d{1,5}$/.test(fields[3] ?? ""),
      `field 4 (address) must be 127.0.0.1:<port>, got ${show(fields[3])}`,
    );
  assertEqual(fields[4], "grpc", "field 5 (protocol)");
  assertEqual(fields[5], "", "field 6 (server certificate) without AutoMTLS");
  assert(BASE64_RAW_STD.test(fields[5] ?? ""), "field 6 must be standard base64 without padding");
};

function expectedVersion(supported: readonly number[], offered: string): number {
  const offeredSet = new Set(
    offered
      .split(",")
      .filter((entry) => /^[0-9]+$/.test(entry))
      .map(Number),
  );
  const sorted = [...supported].sort((a, b) => b - a);
  return sorted.find((v) => offeredSet.has(v)) ?? Math.min(...supported);
}

/** Version negotiation: highest common version; none in common → the plugin's lowest, still starting. */
export const versionNegotiation: CheckFunction = async (ctx) => {
  const supported = ctx.features.appProtocolVersions;
  const template = String(ctx.spec.params.offer ?? "{supported}");
  // {supported} expands to the implementation's versions (shuffled), {max+N} to max(supported)+N.
  const max = Math.max(...supported);
  const offered = template
    .replace("{supported}", [...supported].sort(() => Math.random() - 0.5).join(","))
    .replace(/\{max\+(\d+)\}/g, (_m, n: string) => String(max + Number(n)));
  const { handshake } = await spawnUntilHandshake(ctx, { env: { PLUGIN_PROTOCOL_VERSIONS: offered } });
  const want = expectedVersion(supported, offered);
  ctx.trace("offered", { PLUGIN_PROTOCOL_VERSIONS: offered, supported, expected: want });
  assertEqual(
    handshake.fields[1],
    String(want),
    `app protocol version announced for PLUGIN_PROTOCOL_VERSIONS=${offered} (plugin supports ${supported.join(",")})`,
  );
};
