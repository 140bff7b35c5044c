import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Dispatcher, HookContextInit, PluginHttpStream } from "../dispatch/dispatcher.js";
import { PolyplugError } from "../errors.js";
import type { Error as ProtoError } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { contractCodeName, readContractCode, toContractCode } from "@polyplug/sdk/internal/contract/codes.js";
import { truncateErrorMessage } from "@polyplug/sdk/internal/contract/contract-error.js";
import { ERROR_CODE_HEADER } from "@polyplug/sdk/internal/contract/headers.js";
import { isPluginId } from "@polyplug/sdk/internal/contract/names.js";
import { httpStatusFor, RETRY_AFTER_HEADER } from "./error-mapping.js";
import { toClientResponseHeaders, toPluginRequestHeaders } from "./http-headers.js";
import { sendJsonError } from "./json-error-response.js";
import { pumpRequestBody } from "./request-body-pump.js";

/** A request / response pair from the HTTP/1.1 server or the HTTP/2 compatibility API. */
export type AnyRequest = IncomingMessage | Http2ServerRequest;
/** See AnyRequest. */
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** Path prefix of plugin HTTP routes. */
export const PLUGIN_ROUTE_PREFIX = "/plugins/";

/** Splits `/plugins/{id}/rest?query` into its parts; undefined when the URL is not a plugin route. */
export function parsePluginUrl(url: string): { pluginId: string; path: string; rawQuery: string } | undefined {
  if (!url.startsWith(PLUGIN_ROUTE_PREFIX)) return undefined;
  const queryAt = url.indexOf("?");
  const target = queryAt < 0 ? url : url.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? "" : url.slice(queryAt + 1);
  const rest = target.slice(PLUGIN_ROUTE_PREFIX.length);
  const slash = rest.indexOf("/");
  const pluginId = slash < 0 ? rest : rest.slice(0, slash);
  return { pluginId, path: slash < 0 ? "/" : rest.slice(slash), rawQuery };
}

/**
 * Answers a PolyplugError as a JSON `{code, message}` body with the HTTP status of its code
 * (and `retry-after` when `details.retryAfterSeconds` is set, as for a shed call).
 */
export function sendPolyplugError(res: AnyResponse, reason: unknown): void {
  const error = PolyplugError.from(reason);
  const retryAfter = error.details.retryAfterSeconds;
  const extra: Record<string, string> =
    typeof retryAfter === "number" ? { [RETRY_AFTER_HEADER]: String(retryAfter), [ERROR_CODE_HEADER]: error.code } : {};
  sendJsonError(res, httpStatusFor(toContractCode(error.code)), error.code, error.message, extra);
}

/** Resolves when `res` can take more data, or when it closes. */
function drained(res: AnyResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function head(context: HookContextInit, req: AnyRequest, path: string, rawQuery: string) {
  const remote = req.socket.remoteAddress ? `${req.socket.remoteAddress}:${req.socket.remotePort ?? 0}` : "";
  return {
    context: {
      requestId: context.requestId,
      traceparent: context.traceparent,
      pluginId: context.pluginId,
      metadata: { ...context.metadata },
      ...(context.deadlineMs !== undefined ? { deadline: timestampFromMs(context.deadlineMs) } : {}),
    },
    method: (req.method ?? "GET").toUpperCase(),
    path,
    rawQuery,
    headers: toPluginRequestHeaders(req.rawHeaders, context.requestId),
    remoteAddr: remote,
  };
}

/** Copies the plugin's response frames to `res`; the ServeHTTP rules of proto/README.md. */
async function relayResponse(stream: PluginHttpStream, res: AnyResponse): Promise<void> {
  let headSeen = false;
  const violation = (what: string) => {
    throw new PolyplugError("internal", `plugin broke the ServeHTTP framing: ${what}`);
  };
  for await (const { frame } of stream.responses) {
    if (res.destroyed) return;
    switch (frame.case) {
      case "head": {
        if (headSeen) violation("second head frame");
        const status = frame.value.status;
        if (status < 200 || status > 599) {
          sendJsonError(res, 502, "plugin_failed", `plugin answered with invalid HTTP status ${status}`);
          stream.cancel();
          return;
        }
        res.writeHead(status, toClientResponseHeaders(frame.value.headers));
        headSeen = true;
        break;
      }
      case "body":
        if (!headSeen) violation("body before head");
        // Both response types share write(chunk): boolean; their overload sets just differ.
        if (frame.value.length > 0 && !(res as ServerResponse).write(frame.value)) await drained(res);
        break;
      case "trailers":
        if (!headSeen) violation("trailers before head");
        res.addTrailers(toClientResponseHeaders(frame.value.headers) as Record<string, string>);
        break;
      case "error":
        sendPluginError(res, frame.value);
        stream.cancel();
        return;
      default:
        violation("empty frame");
    }
  }
  if (!headSeen) sendJsonError(res, 502, "plugin_failed", "plugin ended the HTTP response without a head");
  else res.end();
}

function sendPluginError(res: AnyResponse, error: ProtoError): void {
  const code = readContractCode(error.code);
  const name = contractCodeName(code).toLowerCase();
  sendJsonError(res, httpStatusFor(code), name, truncateErrorMessage(error.message));
}

/** Options of createPluginRouteHandler. */
export interface PluginRouteOptions {
  /**
   * Facts about the caller to pass to plugins in HookContext.metadata (e.g. from
   * authentication). Default: `{ ip }`, the client's address as the gateway sees it.
   */
  readonly metadataFor?: (req: AnyRequest) => Record<string, string>;
}

/**
 * Serves `/plugins/{plugin_id}/...` by streaming the request to the plugin's ServeHTTP
 * and its response back. Returns false (touching nothing) for other URLs. Errors before
 * the plugin's response head become JSON `{code, message}` bodies with an HTTP status
 * from the code (not_found 404, unavailable 503, deadline_exceeded 504, plugin failures
 * 500, no head at all 502); later errors abort the client response. A client that goes
 * away cancels the plugin call.
 */
export function createPluginRouteHandler(
  dispatcher: Dispatcher,
  options: PluginRouteOptions = {},
): (req: AnyRequest, res: AnyResponse) => boolean {
  return (req, res) => {
    const target = parsePluginUrl(req.url ?? "");
    if (!target) return false;
    if (!isPluginId(target.pluginId)) {
      sendJsonError(res, 404, "not_found", `no plugin route for ${JSON.stringify((req.url ?? "").slice(0, 200))}`);
      return true;
    }
    const abort = new AbortController();
    let opened: { stream: PluginHttpStream; context: HookContextInit };
    try {
      const metadata = options.metadataFor
        ? options.metadataFor(req)
        : req.socket.remoteAddress
          ? { ip: req.socket.remoteAddress }
          : {};
      opened = dispatcher.openHttpStream(target.pluginId, (req.method ?? "GET").toUpperCase(), target.path, {
        metadata,
        signal: abort.signal,
      });
    } catch (reason) {
      sendPolyplugError(res, reason);
      return true;
    }
    const { stream, context } = opened;
    const finish = () => {
      if (res.writableFinished) return;
      abort.abort();
      stream.cancel();
    };
    res.on("close", finish);
    try {
      stream.send({ frame: { case: "head", value: head(context, req, target.path, target.rawQuery) } });
    } catch (reason) {
      finish();
      sendPolyplugError(res, reason);
      return true;
    }
    pumpRequestBody(req, stream, abort.signal).catch(finish);
    relayResponse(stream, res)
      .catch((reason: unknown) => {
        if (res.headersSent) res.destroy();
        else sendPolyplugError(res, reason);
        stream.cancel();
      })
      // The response is complete: stop feeding the plugin (the rest of the body is discarded).
      .finally(() => abort.abort());
    return true;
  };
}
