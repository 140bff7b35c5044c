import type { MessageInitShape } from "@bufbuild/protobuf";
import { ErrorCode } from "./gen/polyplug/v1/common_pb.js";
import type { HttpHeader, ServeHTTPRequest, ServeHTTPResponseSchema } from "./gen/polyplug/v1/plugin_pb.js";
import type { AsyncQueue } from "./async-queue.js";
import { LIMITS } from "./contract/limits.js";
import { PluginError } from "./plugin-error.js";

/** Header fields as name → value(s); names compare case-insensitively. */
export type HttpHeaderInit = Readonly<Record<string, string | readonly string[]>>;

/** One header field as on the wire (several values = several entries). */
export interface HttpHeaderField {
  readonly name: string;
  readonly value: string;
}

/** An HTTP request addressed to /plugins/{id}/... */
export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path after /plugins/{id}, percent-encoded as received, starting with "/". */
  readonly path: string;
  /** Query string without "?". */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  /** Headers by lower-case name; repeated fields joined with ", ". `polyplug-*` headers are set by the gateway and can be trusted. */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers as received, in order. */
  readonly rawHeaders: readonly HttpHeaderField[];
  /** Client address as the gateway saw it. */
  readonly remoteAddr: string;
  /** The body, chunk by chunk as it arrives (never buffered whole). Iterate at most once. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Request trailers; known once `body` has been read to the end. */
  readonly trailers: readonly HttpHeaderField[];
  /** Reads the whole body as UTF-8 (for small bodies; refuses more than `limitBytes`, default 1 MiB). */
  text(limitBytes?: number): Promise<string>;
  /** Reads the whole body and parses JSON. */
  json<T = unknown>(limitBytes?: number): Promise<T>;
}

/** The streamed HTTP response. Writes wait for flow control, so memory stays bounded. */
export interface HttpResponse {
  /** True once the head (status and headers) was sent. */
  readonly headersSent: boolean;
  /** Sends status (200..599) and headers; `write` sends 200 with no headers if this was never called. */
  writeHead(status: number, headers?: HttpHeaderInit): void;
  /** Sends a body chunk (strings as UTF-8), split into ≤ 64 KiB frames; resolves when the gateway took it. */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Trailer fields sent after the last body chunk. */
  setTrailers(headers: HttpHeaderInit): void;
  /** Optionally writes a last chunk, then ends the response. Idempotent. */
  end(chunk?: Uint8Array | string): Promise<void>;
}

type ResponseFrame = MessageInitShape<typeof ServeHTTPResponseSchema>;

function toFields(headers: HttpHeaderInit | undefined): HttpHeaderField[] {
  const fields: HttpHeaderField[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const item of typeof value === "string" ? [value] : value) fields.push({ name, value: String(item) });
  }
  return fields;
}

async function readAll(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limitBytes)
      throw new PluginError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `request body is larger than ${limitBytes} bytes; read req.body as a stream instead`,
        { limit: `${limitBytes} bytes` },
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Turns the ServeHTTP request stream (after its head frame) into a request whose body is
 * pulled from the stream on demand.
 */
export function createHttpRequest(
  head: { method: string; path: string; rawQuery: string; headers: readonly HttpHeader[]; remoteAddr: string },
  frames: AsyncIterator<ServeHTTPRequest>,
): HttpRequest {
  let trailers: readonly HttpHeaderField[] = [];
  let consumed = false;
  const headers: Record<string, string> = {};
  for (const { name, value } of head.headers) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const body: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      if (consumed) throw new PluginError(ErrorCode.FAILED_PRECONDITION, "the request body can be read only once");
      consumed = true;
      for (;;) {
        const next = await frames.next();
        if (next.done) return;
        const frame = next.value.frame;
        if (frame.case === "body") {
          if (frame.value.length > 0) yield frame.value;
        } else if (frame.case === "end") {
          trailers = frame.value.trailers.map(({ name, value }) => ({ name, value }));
          return;
        } else {
          throw new PluginError(
            ErrorCode.INTERNAL,
            `protocol violation: a ServeHTTP request frame of kind ${String(frame.case)} arrived after the head`,
          );
        }
      }
    },
  };
  const request: HttpRequest = {
    method: head.method,
    path: head.path,
    rawQuery: head.rawQuery,
    query: new URLSearchParams(head.rawQuery),
    headers,
    rawHeaders: head.headers.map(({ name, value }) => ({ name, value })),
    remoteAddr: head.remoteAddr,
    body,
    get trailers() {
      return trailers;
    },
    text: async (limitBytes = LIMITS.kvValueBytes) => (await readAll(body, limitBytes)).toString("utf8"),
    json: async <T>(limitBytes = LIMITS.kvValueBytes) =>
      JSON.parse((await readAll(body, limitBytes)).toString("utf8")) as T,
  };
  return request;
}

/** A response writing frames into `out`; `finish` ends it (sending the head if needed) and `fail` sends an error frame. */
export interface ResponseController {
  readonly response: HttpResponse;
  finish(): Promise<void>;
  fail(error: PluginError): Promise<void>;
}

/** Creates the response side of one ServeHTTP call. */
export function createHttpResponse(out: AsyncQueue<ResponseFrame>): ResponseController {
  let headSent = false;
  let ended = false;
  let trailers: HttpHeaderField[] = [];
  const sendHead = (status: number, headers?: HttpHeaderInit) => {
    if (headSent)
      throw new PluginError(
        ErrorCode.FAILED_PRECONDITION,
        "writeHead called twice: the response head was already sent",
      );
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new PluginError(ErrorCode.INVALID_ARGUMENT, `HTTP status must be an integer 200..599, got ${status}`, {
        field: "status",
      });
    headSent = true;
    out.push({ frame: { case: "head", value: { status, headers: toFields(headers) } } }).catch(() => undefined);
  };
  const response: HttpResponse = {
    get headersSent() {
      return headSent;
    },
    writeHead: sendHead,
    async write(chunk) {
      if (ended) throw new PluginError(ErrorCode.FAILED_PRECONDITION, "write after end");
      if (!headSent) sendHead(200);
      const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      for (let offset = 0; offset < data.length; offset += LIMITS.httpChunkBytes) {
        await out.push({ frame: { case: "body", value: data.subarray(offset, offset + LIMITS.httpChunkBytes) } });
      }
    },
    setTrailers(headers) {
      trailers = toFields(headers);
    },
    async end(chunk) {
      if (ended) return;
      if (chunk !== undefined) await response.write(chunk);
      ended = true;
      if (!headSent) sendHead(200);
      if (trailers.length > 0) await out.push({ frame: { case: "trailers", value: { headers: trailers } } });
      out.close();
    },
  };
  return {
    response,
    finish: () => response.end(),
    async fail(error) {
      if (ended) return;
      ended = true;
      await out.push({ frame: { case: "error", value: error.toProto() } }).catch(() => undefined);
      out.close();
    },
  };
}
