/**
 * A lean gRPC unary client on bare `node:http2`: one HTTP/2 session per plugin address,
 * one stream per call, hand-made gRPC framing. It exists because @grpc/grpc-js's per-call
 * machinery costs several times what the plugin itself needs for a small hook call (see
 * gateway/bench/PROFILE.md). Streaming calls (the plugin's broker and stdio streams) share
 * the session, as on rpc/h2.
 *
 * What it keeps from grpc-js: unix and TCP targets, AutoMTLS (our certificate, the plugin's
 * as the only CA, server name `localhost`, ALPN h2), `grpc-timeout` plus a local deadline
 * timer, cancellation by AbortSignal (RST_STREAM CANCEL), a receive size limit, status and
 * message from headers or trailers, UNAVAILABLE when the connection is lost, and lazy
 * reconnection after the session closes.
 */
import http2 from "node:http2";
import { status } from "@polyplug/sdk/internal/rpc/grpc-status.js";
import type { RpcCallOptions } from "@polyplug/sdk/internal/rpc/client.js";
import {
  GrpcCallError,
  type RawStream,
  type Http2UnaryOptions,
  type UnaryTransport,
} from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { connectSocket } from "./connect-socket.js";
import { refuseCall, startFailure } from "./call-start.js";
import { failedStream, StreamResponses } from "./stream-responses.js";
import { type Connection, Http2Call, type StartedCall } from "./http2-call.js";
import { SHARED_STREAMS_MIN } from "./h2/unary-transport.js";
import {
  encodeGrpcFrame,
  grpcFrameHeader,
  GrpcFrameDecoder,
  type GrpcFrameError,
  grpcTimeoutHeader,
  isReservedGrpcHeader,
  remainingMs,
} from "./grpc-framing.js";

// Receive windows: generous so a multi-megabyte answer is not throttled by 64 KiB
// WINDOW_UPDATE round trips, and many concurrent answers share the connection.
const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 64 * 1024 * 1024;
// Until the plugin announces its own limit, assume it takes many streams (grpc-go announces none).
const PEER_MAX_STREAMS = 1000;
// Above this size the frame header and the body are written separately instead of copied into one buffer.
const COPY_LIMIT_BYTES = 16 * 1024;

/** Creates the lean unary transport for one plugin address. Connects on the first call, or on `connect()`. */
export function createHttp2UnaryTransport(options: Http2UnaryOptions): UnaryTransport {
  const { listen, tls: mtls, maxMessageBytes } = options;
  const target = `${listen.network}:${listen.address}`;
  const plugin = { target, maxMessageBytes };
  const authority = mtls ? "https://localhost" : "http://localhost";
  let current: Connection | undefined;
  let closed = false;

  const open = (): Connection => {
    if (current && !current.session.closed && !current.session.destroyed) return current;
    const session = http2.connect(authority, {
      createConnection: () => connectSocket(listen, mtls),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES },
      peerMaxConcurrentStreams: PEER_MAX_STREAMS,
      maxSessionMemory: 1024, // MiB; Node's default (10) resets streams under load with big messages
    });
    const connection: Connection = { session, active: 0, error: undefined, settingsSeen: false };
    session.once("remoteSettings", () => (connection.settingsSeen = true));
    const forget = () => {
      if (current === connection) current = undefined;
    };
    session.on("error", (error: Error) => {
      connection.error = error;
      forget();
    });
    session.once("goaway", forget); // the plugin is going away: new calls need a new session
    session.once("close", forget);
    session.once("connect", () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
    session.unref(); // only calls in flight keep the process alive (as grpc-js does)
    current = connection;
    return connection;
  };

  const headersFor = (
    path: string,
    timeoutMs: number | undefined,
    metadata: Readonly<Record<string, string>> | undefined,
  ): http2.OutgoingHttpHeaders => {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (timeoutMs !== undefined) headers["grpc-timeout"] = grpcTimeoutHeader(timeoutMs);
    if (metadata) {
      for (const [key, value] of Object.entries(metadata)) {
        const name = key.toLowerCase();
        if (!isReservedGrpcHeader(name)) headers[name] = value;
      }
    }
    return headers;
  };

  // The checks every call makes before it starts (the request's size only for a unary call), then its stream on
  // `pick()`'s session, counted as active there; or why the call cannot start.
  const startCall = (
    pick: () => Connection,
    path: string,
    callOptions: RpcCallOptions,
    requestBytes = 0,
  ): StartedCall | GrpcCallError => {
    const timeoutMs = remainingMs(callOptions.deadline);
    const refused = refuseCall(plugin, closed, timeoutMs, callOptions.signal, requestBytes);
    if (refused) return refused;
    const connection = pick();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = connection.session.request(headersFor(path, timeoutMs, callOptions.metadata));
    } catch (error) {
      return startFailure(target, error);
    }
    if (connection.active++ === 0) connection.session.ref();
    return { stream, connection, timeoutMs };
  };

  const unary = (path: string, request: Uint8Array, callOptions: RpcCallOptions = {}): Promise<Buffer> =>
    new Promise<Buffer>((resolve, reject) => {
      const started = startCall(open, path, callOptions, request.length);
      if (started instanceof GrpcCallError) return reject(started);
      const { stream } = started;
      const decoder = new GrpcFrameDecoder(maxMessageBytes);
      let response: Buffer | undefined;
      const call = new Http2Call(started, callOptions.signal, target, (error) => {
        if (error) return reject(error);
        if (response === undefined || decoder.partial) {
          return reject(
            new GrpcCallError(
              status.INTERNAL,
              decoder.partial
                ? "the response ended in the middle of a message"
                : "the plugin answered OK without a response message",
            ),
          );
        }
        resolve(response);
      });
      stream.on("data", (chunk: Buffer) => {
        if (call.failed) return;
        try {
          for (const message of decoder.push(chunk)) {
            if (response !== undefined)
              return call.fail(
                new GrpcCallError(status.INTERNAL, "the plugin answered a unary call with more than one message"),
              );
            response = message;
          }
        } catch (error) {
          const frameError = error as GrpcFrameError;
          call.fail(new GrpcCallError(frameError.code, frameError.message));
        }
      });

      if (request.length <= COPY_LIMIT_BYTES) {
        stream.end(encodeGrpcFrame(request));
      } else {
        // No copy of a big body; the stream buffers what the plugin's flow-control window does not yet admit.
        stream.write(grpcFrameHeader(request.length));
        stream.end(request);
      }
    });

  // Long-lived streams must not take the slots hooks need: with a plugin admitting fewer than SHARED_STREAMS_MIN
  // streams at once (known once its SETTINGS arrived), they get a session of their own.
  let ownStreams: Connection | undefined;
  const streamSession = (): Connection => {
    const shared = open();
    const limit = shared.session.remoteSettings?.maxConcurrentStreams;
    if (!shared.settingsSeen || limit === undefined || limit >= SHARED_STREAMS_MIN) return shared;
    if (ownStreams && !ownStreams.session.closed && !ownStreams.session.destroyed) return ownStreams;
    const previous = current;
    current = undefined;
    ownStreams = open();
    current = previous;
    return ownStreams;
  };

  // Streams share the unary calls' session (the plugin's broker and stdio streams, issue 17), as on rpc/h2.
  const stream = (path: string, callOptions: RpcCallOptions = {}): RawStream => {
    const started = startCall(streamSession, path, callOptions);
    if (started instanceof GrpcCallError) return failedStream(started);
    const { stream: call } = started;
    const decoder = new GrpcFrameDecoder(maxMessageBytes);
    const responses = new StreamResponses(maxMessageBytes, () =>
      watch.fail(new GrpcCallError(status.CANCELLED, "cancelled by the caller")),
    );
    const watch = new Http2Call(started, callOptions.signal, target, (error) =>
      responses.end(
        error ??
          (decoder.partial
            ? new GrpcCallError(status.INTERNAL, "the response ended in the middle of a message")
            : undefined),
      ),
    );
    call.on("data", (chunk: Buffer) => {
      if (watch.failed) return;
      try {
        for (const message of decoder.push(chunk)) {
          const overflow = responses.push(message);
          if (overflow) return watch.fail(overflow);
        }
      } catch (error) {
        const frameError = error as GrpcFrameError;
        watch.fail(new GrpcCallError(frameError.code, frameError.message));
      }
    });
    return {
      send(message) {
        if (responses.ended || call.writableEnded) return false;
        if (message.length > maxMessageBytes) {
          watch.fail(
            new GrpcCallError(
              status.RESOURCE_EXHAUSTED,
              `request message of ${message.length} bytes is larger than the limit of ${maxMessageBytes} bytes`,
            ),
          );
          return false;
        }
        return call.write(encodeGrpcFrame(message));
      },
      drained: () =>
        call.writableNeedDrain && !responses.ended
          ? new Promise<void>((resolve) => {
              const done = () => {
                call.off("drain", done).off("close", done);
                resolve();
              };
              call.on("drain", done).on("close", done);
            })
          : Promise.resolve(),
      end: () => {
        if (!call.writableEnded) call.end();
      },
      cancel: () => watch.fail(new GrpcCallError(status.CANCELLED, "cancelled by the caller")),
      responses,
    };
  };

  // Resolves once the session is set up (socket connected, TLS done) and the plugin's SETTINGS arrived,
  // as the h2 client's connect() does: what the streams' session choice reads is known from then on.
  const connect = (): Promise<void> => {
    if (closed) return Promise.reject(new Error(`the connection to the plugin at ${target} is closed`));
    const connection = open();
    const { session } = connection;
    if (session.destroyed) return Promise.reject(new Error(`the connection to the plugin at ${target} failed`));
    if (connection.settingsSeen) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const failed = (error?: Error) =>
        reject(error ?? new Error(`the connection to the plugin at ${target} closed before it was set up`));
      session.once("remoteSettings", () => {
        session.off("error", failed);
        session.off("close", failed);
        resolve();
      });
      session.once("error", failed);
      session.once("close", failed);
    });
  };

  return {
    unary,
    stream,
    connect,
    close() {
      closed = true;
      current?.session.close();
      ownStreams?.session.close();
      current = undefined;
      ownStreams = undefined;
    },
  };
}
