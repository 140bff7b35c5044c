import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import { createConnectionGate, type ConnectionGateStats } from "./connection-gate.js";
import { guardRapidReset } from "./h2-reset-guard.js";
import type { AnyRequest, AnyResponse } from "./http-routes.js";
import { DEFAULT_PUBLIC_LIMITS, type PublicLimits } from "./public-limits.js";

/** The first bytes of every HTTP/2 connection with prior knowledge (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Options of createDualProtocolServer. */
export interface DualProtocolServerOptions {
  /** Serves every request, HTTP/1.1 and HTTP/2 alike. */
  readonly handler: (req: AnyRequest, res: AnyResponse) => void;
  /** HTTP/1.1 `Upgrade` requests (WebSocket); without it they are refused. */
  readonly onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** How long close() lets in-flight requests finish before cutting them. Default 5 s. */
  readonly closeGraceMs?: number;
  /**
   * Connection, stream and timeout limits (PublicLimits; the chain-call ones are not used
   * here). A new connection's first bytes are due within headersTimeoutMs. Default
   * DEFAULT_PUBLIC_LIMITS.
   */
  readonly limits?: PublicLimits;
}

/** Counters of a DualProtocolServer. */
export interface DualProtocolServerStats {
  readonly connections: ConnectionGateStats;
  /** HTTP/2 sessions closed with GOAWAY ENHANCE_YOUR_CALM for resetting too many streams. */
  readonly rapidResetSessions: number;
  /** Requests whose headers or body did not arrive within the timeouts (HTTP/1.1 408, HTTP/2 stream reset). */
  readonly requestTimeouts: number;
}

/** A listening-capable server that speaks HTTP/1.1 and cleartext HTTP/2 on one port. */
export interface DualProtocolServer {
  /** The TCP server. */
  readonly server: net.Server;
  /** Listens on host:port (0 picks a free port); resolves with the bound URL and port. */
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /** Stops accepting connections, lets in-flight requests finish (up to closeGraceMs), then cuts the rest. */
  close(): Promise<void>;
  stats(): DualProtocolServerStats;
}

/** True when `bytes` can still be (or already is) the HTTP/2 preface. */
function mayBePreface(bytes: Buffer): boolean {
  const length = Math.min(bytes.length, HTTP2_PREFACE.length);
  return bytes.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
}

/**
 * Creates one TCP server for both protocols: it reads the first bytes of each connection
 * and hands the socket to an HTTP/2 server when they are the HTTP/2 connection preface
 * (gRPC and Connect clients with prior knowledge, "h2c"), else to an HTTP/1.1 server.
 * The bytes read are put back, so each server sees the connection from its start.
 * h2c through an HTTP/1.1 `Upgrade: h2c` is not supported.
 */
export function createDualProtocolServer(options: DualProtocolServerOptions): DualProtocolServer {
  const limits = options.limits ?? DEFAULT_PUBLIC_LIMITS;
  const gate = createConnectionGate(limits.maxConnections, limits.maxConnectionsPerAddress);
  let requestTimeouts = 0;
  const busy = new Map<net.Socket, number>();
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2Sockets = new WeakSet<net.Socket>();
  let closing = false;

  const h1 = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.idleTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => {
      const socket = req.socket;
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      res.on("close", () => {
        const left = (busy.get(socket) ?? 1) - 1;
        if (left > 0) busy.set(socket, left);
        else busy.delete(socket);
        if (closing && left <= 0) socket.destroy();
      });
      if (closing) res.shouldKeepAlive = false;
      options.handler(req, res);
    },
  );
  // http.Server checks headersTimeout / requestTimeout on a timer it starts on "listening";
  // this one never listens (the TCP server hands it sockets), so start the timer here.
  h1.emit("listening");
  h1.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's default answer, counting the timeouts.
    const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (timedOut) requestTimeouts++;
    if (socket.writable) {
      const status = timedOut
        ? "408 Request Timeout"
        : error.code === "HPE_HEADER_OVERFLOW"
          ? "431 Request Header Fields Too Large"
          : "400 Bad Request";
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
  if (options.onUpgrade) h1.on("upgrade", options.onUpgrade);
  else h1.on("upgrade", (_req, socket: Duplex) => socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n"));

  // Streams beyond maxConcurrentStreams are refused by nghttp2 (REFUSED_STREAM, so a client
  // may retry them); after maxSessionRejectedStreams (Node's 100) the session is closed.
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams } }, (req, res) => {
    limitBodyTime(req, res);
    options.handler(req, res);
  });
  const rapidResetSessions = guardRapidReset(h2, limits);
  // Open streams per session (Node keeps no public count), for the idle timeout.
  const openStreams = new WeakMap<http2.Http2Session, number>();
  h2.on("stream", (stream) => {
    const session = stream.session;
    if (!session) return;
    openStreams.set(session, (openStreams.get(session) ?? 0) + 1);
    stream.once("close", () => openStreams.set(session, (openStreams.get(session) ?? 1) - 1));
  });
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => session.destroy());
    // Idle: no frame for idleTimeoutMs. A session waiting on its own open streams is not idle.
    session.setTimeout(limits.idleTimeoutMs, () => {
      if ((openStreams.get(session) ?? 0) === 0) session.close();
    });
  });

  /** HTTP/2 has no requestTimeout: a request whose body is not in within requestTimeoutMs is answered 408 and reset. */
  function limitBodyTime(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
    if (req.stream.readableEnded || req.stream.endAfterHeaders) return;
    const timer = setTimeout(() => {
      requestTimeouts++;
      if (!res.headersSent) {
        res.writeHead(408, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            code: "deadline_exceeded",
            message: `the request body did not arrive within ${limits.requestTimeoutMs} ms`,
          }),
        );
      }
      req.stream.close(http2.constants.NGHTTP2_CANCEL);
    }, limits.requestTimeoutMs);
    const clear = () => clearTimeout(timer);
    req.once("end", clear);
    res.once("close", clear);
  }

  // noDelay: sockets handed to h1/h2 by emit("connection") never get http.Server's own noDelay,
  // and Nagle then holds small responses back (measured: 2.5 → 1.6 ms per Intercept at concurrency 1).
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (!gate.admit(socket)) return;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const maybeH2 = mayBePreface(seen);
      if (maybeH2 && seen.length < HTTP2_PREFACE.length) return; // need more bytes to decide
      socket.off("data", onData);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(seen);
      if (maybeH2) {
        h2Sockets.add(socket);
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  });

  return {
    server,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const address = server.address() as net.AddressInfo;
      const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return { url: `http://${shown}:${address.port}`, port: address.port };
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const socket of sockets) if (!busy.has(socket) && !h2Sockets.has(socket)) socket.destroy();
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, options.closeGraceMs ?? 5_000);
      await closed;
      clearTimeout(grace);
      h1.close();
    },
    stats: () => ({ connections: gate.stats(), rapidResetSessions: rapidResetSessions(), requestTimeouts }),
  };
}
