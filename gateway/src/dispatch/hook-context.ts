import { randomBytes, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HookContextSchema, type HookContext } from "../gen/polyplug/v1/common_pb.js";

/** A fresh W3C traceparent (version 00, random trace and span ids, sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
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
