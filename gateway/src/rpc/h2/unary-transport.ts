/**
 * The unary gRPC transport on Polyplug's own HTTP/2 client (rpc/h2): same contract and
 * error semantics as `createHttp2UnaryTransport` (rpc/http2-unary.ts), but each call costs a
 * header block copy, a frame or two in a per-tick batch, and a few callbacks, instead of
 * node:http2's session/stream objects and header conversions.
 */
import type { RawStream, RpcCallOptions } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import {
  GrpcCallError,
  type Http2UnaryOptions,
  type UnaryTransport,
} from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { grpcTimeoutHeader, remainingMs } from "../grpc-framing.js";
import { connectSocket } from "../connect-socket.js";
import { refuseCall, startFailure } from "../call-start.js";
import { H2Connection } from "./h2-connection.js";
import { metadataFields, type RequestHead } from "./hpack-encoder.js";
import { UnaryCall, type UnaryCallContext } from "./unary-call.js";
import { StreamCall } from "./stream-call.js";
import { failedStream } from "../stream-responses.js";

/**
 * Fewest concurrent streams a plugin must admit for streams to share its unary calls'
 * connection (go-plugin, grpc-js and grpcio servers admit 100 or more; the broker and stdio
 * streams take two for the plugin's life).
 */
export const SHARED_STREAMS_MIN = 8;

/**
 * Creates the raw-HTTP/2 unary transport for one plugin address. Connects on the first call
 * (or `connect()`), reconnects on the next call after the connection is lost or the plugin
 * sent GOAWAY. The socket is unref'd while no call is in flight.
 */
export function createH2UnaryTransport(options: Http2UnaryOptions): UnaryTransport {
  const { listen, tls: mtls, maxMessageBytes } = options;
  const target = `${listen.network}:${listen.address}`;
  const plugin = { target, maxMessageBytes };
  let current: H2Connection | undefined;
  let closed = false;

  let ownStreams: H2Connection | undefined; // streams' own connection, for a plugin that admits few streams at once

  // A new connection; `onGone(it)` when it retires (closed, lost, or the plugin sent GOAWAY).
  const openConnection = (onGone: (gone: H2Connection) => void): H2Connection => {
    const opened: H2Connection = new H2Connection(
      connectSocket(listen, mtls),
      () => onGone(opened),
      mtls ? "https" : "http",
    );
    return opened;
  };

  const connection = (): H2Connection => {
    if (current?.usable) return current;
    current = openConnection((gone) => {
      if (current === gone) current = undefined;
    });
    return current;
  };

  // Long-lived streams must not take the slots hooks need: with a plugin admitting fewer than
  // SHARED_STREAMS_MIN streams at once, they get a connection of their own.
  const streamConnection = (): H2Connection => {
    const shared = connection();
    if (shared.streamLimit >= SHARED_STREAMS_MIN) return shared;
    if (ownStreams?.usable) return ownStreams;
    ownStreams = openConnection((gone) => {
      if (ownStreams === gone) ownStreams = undefined;
    });
    return ownStreams;
  };

  // The checks every call makes before it starts (the request's size only for a unary call), then its request
  // head; or why the call cannot start. `timeoutMs` is remainingMs(callOptions.deadline), which the caller keeps
  // (no result object per call on this path).
  const startCall = (
    path: string,
    callOptions: RpcCallOptions,
    timeoutMs: number | undefined,
    requestBytes = 0,
  ): RequestHead | GrpcCallError => {
    const refused = refuseCall(plugin, closed, timeoutMs, callOptions.signal, requestBytes);
    if (refused) return refused;
    try {
      return {
        path,
        timeout: timeoutMs === undefined ? undefined : grpcTimeoutHeader(timeoutMs),
        metadata: metadataFields(callOptions.metadata),
      };
    } catch (error) {
      return startFailure(target, error);
    }
  };

  // Shared by every unary call of this transport (an object and a closure per call before: issue 17, chains).
  const callContext: UnaryCallContext = {
    target,
    maxMessageBytes,
    resend: () => (closed ? undefined : connection()),
  };

  const unary = (path: string, request: Uint8Array, callOptions: RpcCallOptions = {}): Promise<Buffer> => {
    const timeoutMs = remainingMs(callOptions.deadline);
    const head = startCall(path, callOptions, timeoutMs, request.length);
    if (head instanceof GrpcCallError) return Promise.reject(head);
    return new Promise<Buffer>((resolve, reject) => {
      const call = new UnaryCall(callContext, resolve, reject);
      call.begin(connection(), head, request, timeoutMs, callOptions.signal);
    });
  };

  // Streams share the unary calls' connection: the plugin's broker and stdio streams need no second one (issue 17).
  const stream = (path: string, callOptions: RpcCallOptions = {}): RawStream => {
    const timeoutMs = remainingMs(callOptions.deadline);
    const head = startCall(path, callOptions, timeoutMs);
    if (head instanceof GrpcCallError) return failedStream(head);
    return new StreamCall(streamConnection(), head, target, maxMessageBytes, timeoutMs, callOptions.signal).raw();
  };

  return {
    unary,
    stream,
    connect: () =>
      closed ? Promise.reject(new Error(`the connection to the plugin at ${target} is closed`)) : connection().ready,
    close() {
      closed = true;
      current?.close();
      ownStreams?.close();
      current = undefined;
      ownStreams = undefined;
    },
  };
}
