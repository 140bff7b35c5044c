// The contract's enums that code on a gateway's start path reads (proto polyplug.v1.ErrorCode,
// polyplug.v1.Hook), as plain values: importing a generated *_pb module at run time boots
// protobuf-es's descriptor.proto and the file's own descriptor, tens of ms before a gateway
// can spawn its first plugin (issue 17, row 4; gateway/bench/PROFILE.md). The types are the
// generated enums themselves, so values pass to and from messages unchanged; enums.test.ts
// checks each copy against the generated enum and its descriptor.
import type { ErrorCode as GeneratedErrorCode } from "../gen/polyplug/v1/common_pb.js";
import type { Hook as GeneratedHook } from "../gen/polyplug/v1/plugin_pb.js";

/** The object TypeScript emits for a numeric enum: each name to its number, each number back to its name. */
function numericEnum<E>(numbers: Readonly<Record<string, number>>): E {
  const object: Record<string, string | number> = {};
  for (const [name, number] of Object.entries(numbers)) {
    object[name] = number;
    object[number] = name;
  }
  return object as E;
}

/** polyplug.v1.ErrorCode, the contract's code (codes.ts: ContractCode). */
export const ErrorCode = numericEnum<typeof GeneratedErrorCode>({
  UNSPECIFIED: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  PLUGIN_FAILED: 100,
});
export type ErrorCode = GeneratedErrorCode;

/** polyplug.v1.Hook: the hooks a plugin lists in DescribeResponse.implemented_hooks. */
export const Hook = numericEnum<typeof GeneratedHook>({
  UNSPECIFIED: 0,
  ACTIVATE: 1,
  DEACTIVATE: 2,
  CONFIGURATION_CHANGED: 3,
  INTERCEPT: 4,
  NOTIFY: 5,
  SERVE_HTTP: 6,
  EXECUTE_COMMAND: 7,
  CLUSTER_MESSAGE: 8,
});
export type Hook = GeneratedHook;
