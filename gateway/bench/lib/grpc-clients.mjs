// Client variants that speak the same gRPC wire to a plugin, for the transports
// benchmark: where does the TS host's per-call time go, and what would be faster?
import http2 from "node:http2";
import net from "node:net";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  InterceptRequestSchema,
  InterceptResponseSchema,
  Plugin,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { createH2UnaryTransport } from "../../dist/rpc/h2/unary-transport.js";
import { createHttp2UnaryTransport } from "../../dist/rpc/http2-unary.js";
import { CALL_TIMEOUT_MS } from "./ts-host.mjs";

const INTERCEPT_PATH = "/polyplug.v1.Plugin/Intercept";

/** @param {{error?: {code: number, message: string}}} answer */
function checkAnswer(answer) {
  if (answer.error) throw new Error(`plugin answered ${answer.error.code}: ${answer.error.message}`);
}

/**
 * @typedef {object} InterceptClient
 * @property {string} name
 * @property {(request: any) => Promise<void>} call   one Intercept, checked
 * @property {() => void} close
 */

/** Polyplug's own RPC client as the gateway uses it (unary calls over rpc/h2, grpc-js for streams). @returns {InterceptClient} */
export function polyplugClient(plugin) {
  const rpc = plugin.client(Plugin);
  return {
    name: "Polyplug rpc/client.ts (unary over rpc/h2)",
    call: async (request) => checkAnswer(await rpc.intercept(request, { deadline: CALL_TIMEOUT_MS })),
    close: () => undefined,
  };
}

/** grpc-js directly (same protobuf-es encoding per call): grpc-js without our wrapper. @returns {InterceptClient} */
export function grpcJsRawClient(plugin) {
  const client = plugin.grpcClient;
  const serialize = (request) => Buffer.from(toBinary(InterceptRequestSchema, request));
  const deserialize = (bytes) => fromBinary(InterceptResponseSchema, bytes);
  return {
    name: "grpc-js makeUnaryRequest, no wrapper",
    call: (request) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          INTERCEPT_PATH,
          serialize,
          deserialize,
          request,
          { deadline: Date.now() + CALL_TIMEOUT_MS },
          (error, answer) => {
            if (error) return reject(error);
            try {
              checkAnswer(answer);
              resolve();
            } catch (e) {
              reject(e);
            }
          },
        );
      }),
    close: () => undefined,
  };
}

/** @connectrpc/connect-node's gRPC transport over HTTP/2 on the plugin's unix socket. @returns {InterceptClient} */
export function connectNodeClient(socketPath) {
  const transport = createGrpcTransport({
    baseUrl: "http://localhost",
    nodeOptions: { createConnection: () => net.connect(socketPath) },
    readMaxBytes: 256 * 1024 * 1024,
    writeMaxBytes: 256 * 1024 * 1024,
  });
  const client = createClient(Plugin, transport);
  return {
    name: "@connectrpc/connect-node gRPC transport",
    call: async (request) => checkAnswer(await client.intercept(request, { timeoutMs: CALL_TIMEOUT_MS })),
    close: () => undefined,
  };
}

/** A minimal gRPC unary client on node:http2 (one session, length-prefixed frames, trailers). @returns {InterceptClient} */
export function rawHttp2Client(socketPath) {
  const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) });
  session.on("error", () => undefined);
  const headers = {
    ":method": "POST",
    ":path": INTERCEPT_PATH,
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-timeout": `${CALL_TIMEOUT_MS}m`,
  };
  const frame = (request) => {
    const body = toBinary(InterceptRequestSchema, request);
    const bytes = Buffer.allocUnsafe(5 + body.length);
    bytes.writeUInt8(0, 0);
    bytes.writeUInt32BE(body.length, 1);
    bytes.set(body, 5);
    return bytes;
  };
  return {
    name: "node:http2, hand-rolled gRPC framing",
    call: (request) =>
      new Promise((resolve, reject) => {
        const stream = session.request(headers);
        const chunks = [];
        let status;
        let message = "";
        const readStatus = (h) => {
          if (h["grpc-status"] !== undefined) {
            status = Number(h["grpc-status"]);
            message = String(h["grpc-message"] ?? "");
          }
        };
        stream.on("response", readStatus);
        stream.on("trailers", readStatus);
        stream.on("data", (chunk) => chunks.push(chunk));
        stream.on("error", reject);
        stream.on("end", () => {
          if (status !== 0) return reject(new Error(`gRPC status ${status}: ${message}`));
          const body = Buffer.concat(chunks);
          if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5)
            return reject(new Error(`malformed gRPC frame (${body.length} bytes)`));
          try {
            checkAnswer(fromBinary(InterceptResponseSchema, body.subarray(5)));
            resolve();
          } catch (e) {
            reject(e);
          }
        });
        stream.end(frame(request));
      }),
    close: () => session.close(),
  };
}

/**
 * One of Polyplug's unary transports used directly (protobuf-es encoding per call, no typed
 * client wrapper), so the two transports are compared on exactly the same work.
 * @param {"h2" | "http2"} kind  "h2": rpc/h2 (raw HTTP/2 on a socket); "http2": rpc/http2-unary.ts (node:http2)
 * @returns {InterceptClient}
 */
export function unaryTransportClient(socketPath, kind) {
  const options = {
    listen: { network: "unix", address: socketPath },
    tls: undefined,
    maxMessageBytes: 256 * 1024 * 1024,
  };
  const transport = kind === "h2" ? createH2UnaryTransport(options) : createHttp2UnaryTransport(options);
  return {
    name: kind === "h2" ? "raw HTTP/2 (rpc/h2)" : "lean node:http2 (rpc/http2-unary)",
    call: async (request) => {
      const answer = await transport.unary(INTERCEPT_PATH, toBinary(InterceptRequestSchema, request), {
        deadline: CALL_TIMEOUT_MS,
      });
      checkAnswer(fromBinary(InterceptResponseSchema, answer));
    },
    close: () => transport.close(),
  };
}
