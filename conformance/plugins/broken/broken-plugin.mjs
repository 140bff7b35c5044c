#!/usr/bin/env node
// A deliberately broken plugin: it runs the Go conformance plugin (a correct go-plugin
// plugin) and breaks exactly one protocol rule, chosen by the first argument. The suite's
// meta tests (run-all.mjs) check that each mode makes the named case fail.
//
//   node broken-plugin.mjs MODE PLUGIN_EXECUTABLE
import { spawn } from "node:child_process";
import { chmodSync, linkSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { connInfoRewriter, oneShotProxy } from "./conninfo-rewrite.mjs";
import { answerMessage, answerSilentStream, answerStatus, forward, startGrpcFront } from "./grpc-front.mjs";

const [mode, executable] = process.argv.slice(2);
const COOKIE = "POLYPLUG_PLUGIN";
const env = { ...process.env };
const cookieMissing = env[COOKIE] !== "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb";

if (cookieMissing && mode === "cookie-wrong-text") {
  process.stderr.write("This program is a plugin; run it from the gateway.\n");
  process.exit(1);
}
if (cookieMissing && mode === "cookie-exit-0") {
  process.stderr.write(
    "This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n",
  );
  process.exit(0);
}
if (mode === "cookie-ignored") env[COOKIE] = "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb";
if (mode === "socket-ignores-dir") delete env.PLUGIN_UNIX_SOCKET_DIR;
if (mode === "automtls-ignored") delete env.PLUGIN_CLIENT_CERT;
if (mode === "socket-group-ignored") delete env.PLUGIN_UNIX_SOCKET_GROUP;

// Modes served through a gRPC front (grpc-front.mjs) that overrides one service. The front
// terminates AutoMTLS itself, so the plugin behind it runs without TLS.
const HEALTH_NOT_SERVING = Uint8Array.of(0x08, 0x02); // HealthCheckResponse{status: NOT_SERVING}
const frontOverrides = {
  "health-not-serving": (p) =>
    p === "/grpc.health.v1.Health/Check" ? (stream) => answerMessage(stream, HEALTH_NOT_SERVING) : undefined,
  "no-broker": (p) =>
    p.startsWith("/plugin.GRPCBroker/")
      ? (stream) => answerStatus(stream, 12, "unknown service plugin.GRPCBroker")
      : undefined,
  "no-stdio": (p) =>
    p.startsWith("/plugin.GRPCStdio/")
      ? (stream) => answerStatus(stream, 12, "unknown service plugin.GRPCStdio")
      : undefined,
  // StreamStdio stays open and silent (allowed), but the plugin's output never reaches it.
  "stdio-swallowed": (p) => (p.startsWith("/plugin.GRPCStdio/") ? (stream) => answerSilentStream(stream) : undefined),
  "client-cert-optional": () => undefined,
  // The front terminates AutoMTLS, so the plugin behind it dials the brokered GatewayAPI in plaintext.
  "broker-dial-plaintext": () => undefined,
  // The front listens on TCP (below) and gets the port range wrong.
  "tcp-range-unchecked": () => undefined,
  "tcp-port-fallback": () => undefined,
  // ServeHTTP answers arrive, but the call never ends (the two modes only differ in the case they are run against).
  "http-never-ends": (p) =>
    p === "/polyplug.v1.Plugin/ServeHTTP"
      ? (stream, headers, upstream) => forward(upstream, stream, headers, undefined, { neverEnd: true })
      : undefined,
  "http-download-never-ends": (p) =>
    p === "/polyplug.v1.Plugin/ServeHTTP"
      ? (stream, headers, upstream) => forward(upstream, stream, headers, undefined, { neverEnd: true })
      : undefined,
  "conninfo-forgotten": (p) =>
    p === "/plugin.GRPCBroker/StartStream"
      ? (stream, headers, upstream) =>
          forward(
            upstream,
            stream,
            headers,
            connInfoRewriter((address) => oneShotProxy(address, env.PLUGIN_UNIX_SOCKET_DIR || tmpdir())),
          )
      : undefined,
};

/** Ports the TCP modes try: min..max ascending, but wrong in the one way each mode breaks. */
function tcpPorts() {
  const min = Number(env.PLUGIN_MIN_PORT || 0);
  const max = Number(env.PLUGIN_MAX_PORT || 0);
  const range = (a, b) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  if (mode === "tcp-range-unchecked") return min > max ? range(max, min) : range(min, max);
  if (mode === "tcp-port-fallback") return [...range(min, max), 0];
  return undefined;
}
const hostCertPem = env.PLUGIN_CLIENT_CERT;
if (frontOverrides[mode]) delete env.PLUGIN_CLIENT_CERT;

async function frontFor(fields) {
  let tls;
  if (hostCertPem) {
    const { generateAutoMtlsCertificate } = await import("polyplug/host");
    const own = await generateAutoMtlsCertificate();
    tls = { ...own, clientCaPem: hostCertPem, requireClientCert: mode !== "client-cert-optional" };
  }
  const front = await startGrpcFront({
    upstreamAddress: fields[3],
    override: frontOverrides[mode],
    tls,
    tcpPorts: tcpPorts(),
  });
  fields[2] = front.network;
  fields[3] = front.address;
  fields[5] = front.certField;
}
let keptSocket; // socket-left-behind: a second name for the socket, restored after the exit

const child = spawn(executable, [], { env, stdio: ["ignore", "pipe", "pipe"] });
let handshakeDone = false;
let pending = "";
child.stdout.on("data", async (chunk) => {
  if (handshakeDone) return void process.stdout.write(chunk);
  pending += chunk.toString("utf8");
  const nl = pending.indexOf("\n");
  if (nl < 0) return;
  handshakeDone = true;
  const fields = pending.slice(0, nl).split("|");
  if (frontOverrides[mode]) {
    child.stdout.pause();
    await frontFor(fields);
    child.stdout.resume();
  }
  if (mode === "socket-left-behind") {
    keptSocket = `${fields[3]}.kept`;
    linkSync(fields[3], keptSocket);
  }
  if (mode === "stdout-before-handshake") process.stdout.write("starting up...\n");
  if (mode === "handshake-five-fields") fields.length = 5;
  if (mode === "version-ignores-offer") fields[1] = "7";
  if (mode === "socket-world-writable") chmodSync(fields[3], 0o777);
  process.stdout.write(`${fields.join("|")}\n${pending.slice(nl + 1)}`);
  if (mode === "stray-stdout") setTimeout(() => process.stdout.write("debug: served a request\n"), 100);
  if (mode === "bad-hclog")
    process.stderr.write('{"@level":3,"@message":"numeric level","@timestamp":"2026-05-01T12:00:00Z"}\n');
});
child.stderr.pipe(process.stderr);
child.on("exit", (code, signal) => {
  if (mode === "shutdown-hangs") return void setInterval(() => undefined, 1 << 30);
  if (keptSocket) renameSync(keptSocket, keptSocket.slice(0, -".kept".length));
  process.exit(code ?? (signal ? 1 : 0));
});
// Exit with the parent (§6), like the plugin behind it - except in the mode that breaks it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid === parent || mode === "ignores-parent-death") return;
  child.kill("SIGKILL");
  process.exit(1);
}, 500).unref();
process.on("SIGINT", () => {
  if (mode === "exit-on-sigint") process.exit(130);
});
process.on("SIGTERM", () => {
  if (mode === "sigterm-ignored") return;
  child.kill("SIGKILL");
  process.exit(143);
});
