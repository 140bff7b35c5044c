import type * as grpc from "@grpc/grpc-js";
import { create, fromBinary, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { fastFromBinary } from "../wire/fast-from-binary.js";
import { fastToBinary } from "../wire/fast-to-binary.js";

/** The HTTP/2 path of a gRPC method, e.g. `/plugin.GRPCBroker/StartStream`. */
export function grpcMethodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** True when the client sends a stream of messages. */
export function isRequestStream(method: DescMethod): boolean {
  return method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
}

/** True when the server answers with a stream of messages. */
export function isResponseStream(method: DescMethod): boolean {
  return method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
}

/** Serialises a message, or a message init shape, of `schema` to protobuf binary. */
export function encodeMessage(schema: DescMessage, message: MessageInitShape<DescMessage>): Buffer {
  const bytes = fastToBinary(schema, create(schema, message));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

// One definition per method for the whole process: every plugin's broker server and client
// shares it instead of holding its own copy (issue 17, memory). grpc-js only reads them.
const definitions = new WeakMap<DescMethod, grpc.MethodDefinition<unknown, unknown>>();

/** The grpc-js method definition (path + protobuf-es (de)serialisers) for one method; the same object on every call. */
export function toGrpcMethodDefinition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  let definition = definitions.get(method);
  if (!definition) {
    // Frozen: one plugin's code path must not be able to change what every plugin uses.
    definition = Object.freeze(newGrpcMethodDefinition(method));
    definitions.set(method, definition);
  }
  return definition;
}

function newGrpcMethodDefinition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: grpcMethodPath(method),
    requestStream: isRequestStream(method),
    responseStream: isResponseStream(method),
    requestSerialize: (value) => encodeMessage(method.input, value as MessageInitShape<DescMessage>),
    requestDeserialize: (bytes) => fromBinary(method.input, bytes),
    responseSerialize: (value) => encodeMessage(method.output, value as MessageInitShape<DescMessage>),
    responseDeserialize: (bytes) => fastFromBinary(method.output, bytes),
    originalName: method.name,
  };
}
