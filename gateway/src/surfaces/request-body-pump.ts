import type { PluginHttpStream } from "../dispatch/dispatcher.js";
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

/** Largest body frame sent to a plugin (the protocol's 64 KiB chunk limit). */
const MAX_BODY_FRAME_BYTES = LIMITS.httpChunkBytes;

/**
 * Optional back-pressure on a PluginHttpStream. When the stream has it, `send` returns
 * false once its buffer is full and `drained()` resolves when it can take more (grpc-js
 * `write()` / `'drain'`); the pump then pauses the client's request until it does.
 * A stream without it is written as fast as the client sends.
 */
export interface StreamFlowControl {
  drained(): Promise<void>;
}

function flowControlOf(stream: PluginHttpStream): StreamFlowControl | undefined {
  const candidate = stream as Partial<StreamFlowControl>;
  return typeof candidate.drained === "function" ? (candidate as StreamFlowControl) : undefined;
}

function trailerFields(rawTrailers: readonly string[]): { name: string; value: string }[] {
  const fields: { name: string; value: string }[] = [];
  for (let i = 0; i + 1 < rawTrailers.length; i += 2) {
    fields.push({ name: (rawTrailers[i] as string).toLowerCase(), value: rawTrailers[i + 1] as string });
  }
  return fields;
}

/**
 * Streams the client's request body to the plugin as `body` frames of at most 64 KiB,
 * then one `end` frame (with the client's trailers) and a half-close. Never holds more
 * than one client chunk. Once `signal` is aborted (the response is complete or the
 * client left) the rest of the body is read and discarded. Rejects when the client's
 * request fails (e.g. it disconnected mid-body).
 */
export function pumpRequestBody(
  req: IncomingMessage | Http2ServerRequest,
  stream: PluginHttpStream,
  signal: AbortSignal,
): Promise<void> {
  const flow = flowControlOf(stream);
  return new Promise<void>((resolve, reject) => {
    const resume = () => req.resume();
    signal.addEventListener("abort", resume, { once: true });
    const done = (error?: unknown) => {
      signal.removeEventListener("abort", resume);
      if (error === undefined) resolve();
      else reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      if (signal.aborted) return;
      let full = false;
      for (let offset = 0; offset < chunk.length; offset += MAX_BODY_FRAME_BYTES) {
        const value = chunk.subarray(offset, offset + MAX_BODY_FRAME_BYTES);
        full = (stream.send({ frame: { case: "body", value } }) as unknown) === false || full;
      }
      if (full && flow) {
        req.pause();
        void flow.drained().then(resume, resume);
      }
    });
    req.on("end", () => {
      if (!signal.aborted) {
        try {
          stream.send({ frame: { case: "end", value: { trailers: trailerFields(req.rawTrailers) } } });
          stream.end();
        } catch (reason) {
          done(reason);
          return;
        }
      }
      done();
    });
    req.on("error", (error) => done(error));
  });
}
