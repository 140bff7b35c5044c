import { create, type JsonWriteOptions } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  validateReadWriteMaxBytes,
  type Compression,
} from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout } from "@connectrpc/connect/protocol-connect";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import {
  Gateway,
  GatewayInterceptResponseSchema,
  GatewayNotifyResponseSchema,
} from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import type { TransportContext } from "./call-options.js";
import { interceptCall, notifyCall, type TopicCallFields } from "./gateway-calls.js";
import { fastTopicCall, interceptResponseJson, notifyResponseJson } from "./gateway-json.js";
import type { AnyRequest, AnyResponse } from "./http-routes.js";
import { toInterceptResponse } from "./public-api.js";
import { REQUEST_ID_HEADER } from "@polyplug/sdk/internal/contract/headers.js";
import { readUnaryBody } from "./unary-body.js";
import { createCallSignals } from "./call-signals.js";

/** Options of createFastGatewayHandler; the same values connect-node's adapter got. */
export interface FastGatewayHandlerOptions {
  readonly dispatcher: Dispatcher;
  /** connect-node's readMaxBytes. */
  readonly readMaxBytes: number;
  /** connect-node's jsonOptions (used for protobuf-es fallbacks and error details). */
  readonly jsonOptions: Partial<JsonWriteOptions>;
  /** connect-node's shutdownSignal: aborting it cancels every call in flight. */
  readonly shutdownSignal: AbortSignal;
  /** connect-node's acceptCompression (response compression is negotiated as it does). */
  readonly acceptCompression: readonly Compression[];
}

const INTERCEPT_PATH = "/polyplug.v1.Gateway/Intercept";
const NOTIFY_PATH = "/polyplug.v1.Gateway/Notify";
/** connect's unary JSON content types (its contentTypeUnaryRegExp without `application/proto`). */
const JSON_CONTENT_TYPE = /^application\/json(?:; ?charset=utf-?8)?$/i;
/** connect's compressMinBytes default: smaller responses are never compressed. */
const COMPRESS_MIN_BYTES = 1024;
const decoder = new TextDecoder();

type Rpc = "intercept" | "notify";

function rpcOf(url: string | undefined): Rpc | undefined {
  if (url === undefined) return undefined;
  const path = url.includes("?") ? url.slice(0, url.indexOf("?")) : url;
  return path === INTERCEPT_PATH ? "intercept" : path === NOTIFY_PATH ? "notify" : undefined;
}

function headerText(value: string | string[] | undefined): string | null {
  return value === undefined ? null : typeof value === "string" ? value : value.join(", ");
}

/**
 * A hand-written Connect unary JSON handler for `POST /polyplug.v1.Gateway/Intercept`
 * and `/Notify`, answering exactly as connect-node does (same status, headers, body;
 * same request validation and error mapping through gateway-calls.ts) with a fraction
 * of its per-request work: no web Headers, no universal request, no AbortController
 * per call on HTTP/1.1 (call-signals.ts) and no abort at the end of a call, JSON.parse /
 * JSON.stringify instead of protobuf-es's JSON mapping where they give the same result.
 * Returns a function that serves a request and returns true, or returns false without
 * touching a request it does not take: other paths and methods, binary or unknown
 * content types, a compressed request body, a malformed connect-timeout-ms, no
 * authority. Those go to connect-node.
 */
export function createFastGatewayHandler(
  options: FastGatewayHandlerOptions,
): (req: AnyRequest, res: AnyResponse) => boolean {
  const limits = validateReadWriteMaxBytes(options.readMaxBytes, undefined, undefined);
  const intercept = createMethodSerializationLookup(Gateway.method.intercept, undefined, options.jsonOptions, limits);
  const notify = createMethodSerializationLookup(Gateway.method.notify, undefined, options.jsonOptions, limits);
  const acceptCompression = [...options.acceptCompression];
  const signals = createCallSignals(options.shutdownSignal);

  async function serve(
    req: AnyRequest,
    res: AnyResponse,
    rpc: Rpc,
    timeoutMs: number | undefined,
    compression: Compression | null,
  ): Promise<void> {
    const deadlineAt = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    let errorMetadata: Record<string, string> | undefined;
    // Notify outlives the call (see notifyCall): only Intercept is cancelled.
    const call = rpc === "intercept" ? signals.open(req, res, timeoutMs) : undefined;
    let status = 200;
    // A string body leaves with the response head in one write of one string; bytes make
    // node:http queue the head apart and write both (errors, protobuf-es fallbacks).
    let body: Uint8Array | string;
    let requestId: string | undefined;
    try {
      const bytes = await readUnaryBody(req, options.readMaxBytes);
      const serialization = rpc === "intercept" ? intercept : notify;
      let fields = fastTopicCall(parseJson(decoder.decode(bytes)), rpc === "intercept");
      const exact = fields !== undefined;
      // Not in the fast subset: protobuf-es reads it (or throws connect-node's very error).
      fields ??= serialization.getI(false).parse(bytes) as TopicCallFields;
      const transport: TransportContext = {
        traceparentHeader: headerText(req.headers.traceparent),
        timeoutMs: deadlineAt === undefined ? undefined : deadlineAt - Date.now(),
        signal: call?.signal,
      };
      if (rpc === "intercept") {
        const verdict = await interceptCall(options.dispatcher, fields, transport);
        requestId = verdict.requestId;
        const json = exact ? interceptResponseJson(verdict, fields.payload) : undefined;
        body =
          json ?? intercept.getO(false).serialize(create(GatewayInterceptResponseSchema, toInterceptResponse(verdict)));
      } else {
        const receipt = notifyCall(options.dispatcher, fields, transport);
        requestId = receipt.requestId;
        body = exact
          ? notifyResponseJson(receipt)
          : notify.getO(false).serialize(
              create(GatewayNotifyResponseSchema, {
                requestId: receipt.requestId,
                queuedFor: [...receipt.queuedFor],
                droppedFor: [...receipt.droppedFor],
              }),
            );
      }
    } catch (reason) {
      const error =
        reason instanceof ConnectError
          ? reason
          : new ConnectError("internal error", Code.Internal, undefined, undefined, reason);
      status = codeToHttpStatus(error.code);
      const metadata: Record<string, string> = {};
      error.metadata.forEach((value, key) => {
        metadata[key] = value;
      });
      errorMetadata = metadata;
      body = errorToJsonBytes(error, options.jsonOptions);
    } finally {
      call?.answered();
    }
    let encoding: string | undefined;
    let length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    if (compression && length >= COMPRESS_MIN_BYTES) {
      body = await compression.compress(typeof body === "string" ? Buffer.from(body) : body);
      encoding = compression.name;
      length = body.byteLength;
    }
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, responseHeaders(length, requestId, encoding, errorMetadata));
    res.end(body);
  }

  return (req, res) => {
    if (req.method !== "POST") return false;
    const rpc = rpcOf(req.url);
    if (rpc === undefined) return false;
    const h = req.headers;
    const contentType = h["content-type"];
    if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) return false;
    const encoding = h["content-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    if (("authority" in req ? req.authority : h.host) === undefined) return false;
    const timeout = parseTimeout(headerText(h["connect-timeout-ms"]), Number.MAX_SAFE_INTEGER);
    if (timeout.error) return false;
    const compression = compressionNegotiate(
      acceptCompression,
      null,
      headerText(h["accept-encoding"]),
      "accept-encoding",
    );
    void serve(req, res, rpc, timeout.timeoutMs, compression.response).catch(() => {
      if (!res.headersSent) res.destroy();
    });
    return true;
  };
}

/**
 * The response headers in name order, as connect-node writes them (web Headers iterate
 * sorted): content-encoding, content-length, content-type, polyplug-request-id, then an
 * error's metadata merged in and the whole sorted again (errors only).
 */
function responseHeaders(
  length: number,
  requestId: string | undefined,
  encoding: string | undefined,
  metadata: Record<string, string> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (encoding !== undefined) headers["content-encoding"] = encoding;
  headers["content-length"] = String(length);
  headers["content-type"] = "application/json";
  if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
  if (metadata === undefined) return headers;
  // An error's metadata may not replace the content headers (it may the request id).
  const merged: Record<string, string> = {
    ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
    ...metadata,
  };
  Object.assign(merged, encoding === undefined ? {} : { "content-encoding": encoding });
  merged["content-length"] = headers["content-length"] as string;
  merged["content-type"] = "application/json";
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(merged).sort()) sorted[name] = merged[name] as string;
  return sorted;
}

/** JSON.parse, or undefined for text that is not JSON (protobuf-es then reports it). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
