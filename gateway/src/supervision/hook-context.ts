import { randomFillSync, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HookContextSchema, type HookContext } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";

// Trace and span ids come from a pool of random bytes refilled in one go (each byte used
// once): two small randomBytes calls per request cost more than the rest of its ids.
const ID_BYTES = 24; // 16 for the trace id, 8 for the span id
const idPool = Buffer.allocUnsafe(ID_BYTES * 128);
let idPoolUsed = idPool.length;

/** A fresh W3C traceparent (version 00, random trace and span ids, sampled). */
export function newTraceparent(): string {
  if (idPoolUsed + ID_BYTES > idPool.length) {
    randomFillSync(idPool);
    idPoolUsed = 0;
  }
  const hex = idPool.toString("hex", idPoolUsed, idPoolUsed + ID_BYTES);
  idPoolUsed += ID_BYTES;
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True when `value` is a well-formed W3C traceparent header. */
export function isTraceparent(value: string): boolean {
  return traceparentPattern.test(value) && !/^.{3}0{32}/.test(value);
}

/** Inputs of a HookContext. */
export interface HookContextInputs {
  readonly pluginId: string;
  readonly requestId?: string | undefined;
  readonly traceparent?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** Time left for the call, in ms; becomes the informational deadline. */
  readonly timeoutMs?: number | undefined;
  readonly originPluginId?: string | undefined;
}

/** Builds the HookContext that goes with every hook call. */
export function newHookContext(inputs: HookContextInputs): HookContext {
  return create(HookContextSchema, {
    requestId: inputs.requestId ?? randomUUID(),
    traceparent: inputs.traceparent && isTraceparent(inputs.traceparent) ? inputs.traceparent : newTraceparent(),
    pluginId: inputs.pluginId,
    metadata: { ...inputs.metadata },
    originPluginId: inputs.originPluginId ?? "",
    ...(inputs.timeoutMs !== undefined ? { deadline: timestampFromMs(Date.now() + inputs.timeoutMs) } : {}),
  });
}
