import { Code, ConnectError } from "@connectrpc/connect";
import { readAllBytes } from "@connectrpc/connect/protocol";
import type { AnyRequest } from "./http-routes.js";

/** How a request ended before its body was complete (the caller went away). */
const CUT_SHORT = "the request ended before its body was complete";

/**
 * Reads a unary request body, failing as connect-node's handler does: a body that
 * declares its content-length is collected from `data` events (no async iterator, no
 * promise per chunk) and must be exactly that long (INVALID_ARGUMENT "protocol error:
 * promised N bytes, received M"); anything else (no or odd content-length) is read by
 * connect's own readAllBytes with the `readMaxBytes` limit (RESOURCE_EXHAUSTED).
 * Rejects when the request is cut short. The caller checked that a declared length is
 * within `readMaxBytes`.
 */
export function readUnaryBody(req: AnyRequest, readMaxBytes: number): Promise<Uint8Array> {
  const declared = req.headers["content-length"];
  if (declared === undefined || !/^\d{1,15}$/.test(declared))
    return readAllBytes(req as AsyncIterable<Uint8Array>, readMaxBytes, declared ?? null);
  const hint = Number(declared);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (error: unknown, body?: Uint8Array) => {
      if (settled) return;
      settled = true;
      // The listeners stay: the request is done with once answered, removing four of them
      // per call showed in the profile, and a late "error" still finds its listener.
      if (error === undefined) resolve(body as Uint8Array);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.byteLength;
      if (length > hint) {
        settle(new ConnectError(`protocol error: promised ${hint} bytes, received ${length}`, Code.InvalidArgument));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (length < hint)
        settle(new ConnectError(`protocol error: promised ${hint} bytes, received ${length}`, Code.InvalidArgument));
      else settle(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    };
    const onError = (error: unknown) => settle(error);
    // "close" comes after every request, read or not: build the error only when it is one
    // (an Error captures its stack: ~10 µs, 3.7% of the gateway's samples at c=64, chain 10).
    const onClose = () => {
      if (!settled) settle(new Error(CUT_SHORT));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
