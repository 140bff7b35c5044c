// A raw HTTP client for comparing servers byte for byte: status, every response header
// but the per-connection ones, and the undecoded body, over HTTP/1.1 or cleartext HTTP/2.
import http from "node:http";
import http2 from "node:http2";

/** One request as sent. `body` is written as is (a string is UTF-8); `chunked` omits content-length. */
export interface RawRequest {
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly chunked?: boolean;
  readonly http2?: boolean;
}

/** What came back: status, headers (names lower-cased, in order) and the raw body; or the transport error. */
export interface RawResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Buffer;
  readonly error?: string;
}

// Differ per connection or per moment, not per server.
const VOLATILE = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

function keptHeaders(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!VOLATILE.has(name) && !name.startsWith(":")) pairs.push([name, raw[i + 1] as string]);
  }
  return pairs;
}

function bodyOf(request: RawRequest): Buffer {
  return typeof request.body === "string" ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
}

function viaHttp1(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const body = bodyOf(request);
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...request.headers };
    if (!request.chunked) headers["content-length"] = body.length;
    const req = http.request(
      `${baseUrl}${request.path}`,
      { method: request.method ?? "POST", headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: keptHeaders(res.rawHeaders), body: Buffer.concat(chunks) }),
        );
        res.on("error", (error) => resolve({ status: 0, headers: [], body: Buffer.alloc(0), error: error.message }));
      },
    );
    req.on("error", (error) =>
      resolve({
        status: 0,
        headers: [],
        body: Buffer.alloc(0),
        error: (error as NodeJS.ErrnoException).code ?? error.message,
      }),
    );
    if (request.chunked) {
      for (let offset = 0; offset < body.length; offset += 16 * 1024)
        req.write(body.subarray(offset, offset + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

function viaHttp2(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const body = bodyOf(request);
  return new Promise((resolve) => {
    const session = http2.connect(baseUrl);
    const fail = (error: Error) => {
      session.destroy();
      resolve({
        status: 0,
        headers: [],
        body: Buffer.alloc(0),
        error: (error as NodeJS.ErrnoException).code ?? error.message,
      });
    };
    session.on("error", fail);
    const headers: http2.OutgoingHttpHeaders = {
      ":method": request.method ?? "POST",
      ":path": request.path,
      ...request.headers,
    };
    if (!request.chunked) headers["content-length"] = body.length;
    const stream = session.request(headers);
    let status = 0;
    let raw: string[] = [];
    stream.on("response", (responseHeaders, flags) => {
      status = Number(responseHeaders[":status"]);
      raw = [];
      void flags;
      for (const [name, value] of Object.entries(responseHeaders)) {
        for (const one of Array.isArray(value) ? value : [value]) raw.push(name, String(one));
      }
    });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers: keptHeaders(raw), body: Buffer.concat(chunks) });
    });
    stream.on("error", fail);
    stream.end(body);
  });
}

/** Sends one request on a fresh connection (HTTP/1.1, or HTTP/2 with prior knowledge). */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  return request.http2 ? viaHttp2(baseUrl, request) : viaHttp1(baseUrl, request);
}

/** A response as text for assertions and diffs (body decoded as UTF-8 unless compressed). */
export function describeResponse(response: RawResponse): {
  status: number;
  headers: [string, string][];
  body: string;
  error?: string;
} {
  const encoded = response.headers.some(([name]) => name === "content-encoding");
  return {
    status: response.status,
    headers: response.headers,
    body: encoded ? `base64:${response.body.toString("base64")}` : response.body.toString("utf8"),
    ...(response.error ? { error: response.error } : {}),
  };
}
