/**
 * What the Struct encoder and sizer handle themselves: plain JSON as protobuf-es's
 * `fromJson(StructSchema, …)` accepts it. Anything else (a value that is not JSON, nesting past
 * protobuf-es's recursion limit, a `__proto__` key, which protobuf-es handles its own way) is left
 * to protobuf-es, so its bytes and its errors apply.
 */

/** protobuf-es's JSON recursion limit (100, the top-level Struct included): values this deep are left to it (it throws). */
export const MAX_JSON_DEPTH = 100;

/** Thrown inside the Struct encoder and sizer for input they leave to protobuf-es. */
export const NOT_PLAIN_JSON = Symbol("not plain JSON");
