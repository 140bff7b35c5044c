import { describe, expect, it } from "vitest";
import { ErrorCode as GeneratedErrorCode, ErrorCodeSchema } from "../gen/polyplug/v1/common_pb.js";
import { Hook as GeneratedHook, HookSchema } from "../gen/polyplug/v1/plugin_pb.js";
import { ErrorCode, Hook } from "./enums.js";

describe("the contract's enums as plain values", () => {
  it.each([
    ["polyplug.v1.ErrorCode", ErrorCode, GeneratedErrorCode, ErrorCodeSchema],
    ["polyplug.v1.Hook", Hook, GeneratedHook, HookSchema],
  ] as const)("%s is the generated enum, value for value and name for name", (_, copy, generated, schema) => {
    // The same object TypeScript emits for the generated enum (names → numbers, numbers → names)…
    expect({ ...copy }).toEqual({ ...generated });
    // …and exactly the values of the proto's descriptor (a regenerated file with a new value fails here).
    const numbers = Object.fromEntries(Object.entries(copy).filter(([, value]) => typeof value === "number"));
    expect(numbers).toEqual(Object.fromEntries(schema.values.map((value) => [value.localName, value.number])));
  });
});
