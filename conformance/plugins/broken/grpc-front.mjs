// A gRPC front for broken fixtures: it listens on its own unix socket, forwards every
// HTTP/2 stream to the real plugin's (plaintext) socket unchanged, except the paths a
// fixture overrides — so a fixture can break one service while the rest stays correct.
// With PLUGIN_CLIENT_CERT set it terminates AutoMTLS itself (the plugin behind it then
// runs without TLS).
import { randomInt } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { chmodSync, unlinkSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const { HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = http2.constants;

/** Headers a front must not copy between the two connections (HTTP/2 pseudo headers of the other side). */
function forwardable(headers, keep) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") && !keep.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Answers a gRPC call with a status and no message (a trailers-only response). */
export function answerStatus(stream, code, message) {
  stream.resume();
  stream.respond(
    {
      [HTTP2_HEADER_STATUS]: 200,
      "content-type": "application/grpc",
      "grpc-status": String(code),
      "grpc-message": encodeURIComponent(message),
    },
    { endStream: true },
  );
}

/** Answers a unary gRPC call with one already-encoded protobuf message and status OK. */
export function answerMessage(stream, messageBytes) {
  stream.resume();
  stream.respond({ [HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  const frame = Buffer.alloc(5 + messageBytes.length);
  frame.writeUInt32BE(messageBytes.length, 1);
  Buffer.from(messageBytes).copy(frame, 5);
  stream.end(frame);
}

/** Answers a streaming gRPC call with headers and nothing else, until the client cancels it. */
export function answerSilentStream(stream) {
  stream.resume();
  stream.respond({ [HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" });
}

/**
 * Forwards one call to the plugin. `transformRequest` (optional) is a Transform stream the
 * request bytes go through on their way (e.g. rewriting messages). With `neverEnd` the
 * response is forwarded but never ended (no trailers): a stream left open.
 */
export function forward(upstream, stream, headers, transformRequest, { neverEnd = false } = {}) {
  const up = upstream.request(forwardable(headers, [":method", ":path"]), { endStream: false });
  let trailers;
  up.on("response", (responseHeaders) => {
    if (stream.destroyed) return;
    const trailersOnly = "grpc-status" in responseHeaders;
    stream.respond(
      forwardable(responseHeaders, [HTTP2_HEADER_STATUS]),
      trailersOnly ? { endStream: true } : { waitForTrailers: true },
    );
    if (!trailersOnly) up.pipe(stream, { end: !neverEnd });
  });
  up.on("trailers", (t) => (trailers = forwardable(t, [])));
  stream.on("wantTrailers", () =>
    stream.sendTrailers(
      trailers ?? { "grpc-status": "13", "grpc-message": "the plugin behind the front sent no trailers" },
    ),
  );
  if (transformRequest) stream.pipe(transformRequest).pipe(up);
  else stream.pipe(up);
  const cancel = () => {
    if (!up.closed) up.close(NGHTTP2_CANCEL);
  };
  stream.on("close", cancel);
  stream.on("error", cancel);
  up.on("error", () => {
    if (!stream.closed) stream.close(NGHTTP2_CANCEL);
  });
  up.on("close", () => {
    if (!stream.closed && !stream.headersSent) answerStatus(stream, 14, "the plugin behind the front closed the call");
  });
}

/**
 * Starts the front. `upstreamAddress` is the plugin's unix socket; `override(path)` returns a
 * handler `(stream, headers, upstream) => void` for paths the fixture answers itself, or
 * undefined. `tls` (`{ certPem, keyPem, clientCaPem, requireClientCert }`) turns on AutoMTLS.
 * `tcpPorts` (a list of ports to try in order, 0 = any) makes it listen on 127.0.0.1 instead
 * of a unix socket. Resolves with `{ network, address, certField }` for the handshake line.
 */
export async function startGrpcFront({ upstreamAddress, override = () => undefined, tls, tcpPorts }) {
  const upstream = http2.connect("http://localhost", { createConnection: () => net.connect(upstreamAddress) });
  upstream.on("error", () => undefined);
  const onStream = (stream, headers) => {
    stream.on("error", () => undefined);
    const handler = override(String(headers[":path"]));
    if (handler) handler(stream, headers, upstream);
    else forward(upstream, stream, headers);
  };
  let server;
  if (tls) {
    server = http2.createSecureServer({
      cert: tls.certPem,
      key: tls.keyPem,
      ca: [tls.clientCaPem],
      requestCert: true,
      rejectUnauthorized: tls.requireClientCert,
      ALPNProtocols: ["h2"],
      minVersion: "TLSv1.2",
    });
    // Not requiring a certificate still refuses a wrong one: only its absence is let through.
    server.on("secureConnection", (socket) => {
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      if (presented && !socket.authorized) socket.destroy();
    });
  } else {
    server = http2.createServer();
  }
  server.on("stream", onStream);
  server.on("sessionError", () => undefined);
  const certField = tls ? new X509Certificate(tls.certPem).raw.toString("base64").replace(/=+$/, "") : "";
  if (tcpPorts) {
    for (const port of tcpPorts) {
      const bound = await new Promise((resolve) => {
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => resolve(true));
      });
      if (bound) return { network: "tcp", address: `127.0.0.1:${server.address().port}`, certField };
    }
    throw new Error(`no free port among ${tcpPorts.join(", ")}`);
  }
  const address = path.join(process.env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), `plugin${randomInt(1e9)}`);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address, resolve);
  });
  chmodSync(address, 0o600);
  process.on("exit", () => {
    try {
      unlinkSync(address);
    } catch {
      // already gone
    }
  });
  return { network: "unix", address, certField };
}
