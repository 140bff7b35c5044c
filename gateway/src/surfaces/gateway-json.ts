import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ChainStep, InterceptVerdict, NotifyReceipt } from "../dispatch/dispatcher.js";
import { ErrorCodeSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import {
  ChainStepOutcome,
  ChainStepOutcomeSchema,
  FailMode,
  FailModeSchema,
} from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import { toContractCode } from "@polyplug/sdk/internal/contract/codes.js";
import type { TopicCallFields } from "./gateway-calls.js";

// The JSON fast path reads and writes Gateway messages with JSON.parse / JSON.stringify
// instead of protobuf-es's JSON mapping. It only takes what it can read exactly as
// protobuf-es would (see fastTopicCall); anything else (unknown or repeated fields,
// wrong types, strings for numbers, non-finite numbers, `__proto__` keys, deep nesting)
// goes through protobuf-es, which either reads it or fails with its own error.

/** Deeper payloads go through protobuf-es (its recursion limit is 100). */
const MAX_FAST_DEPTH = 32;
const MAX_UINT32 = 0xffff_ffff;

/**
 * True when `value` is a JSON value that JSON.stringify writes exactly as protobuf-es
 * writes the google.protobuf.Value it becomes: finite numbers only, no `__proto__` keys
 * (protobuf-es drops them), at most MAX_FAST_DEPTH levels.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_FAST_DEPTH) return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJson(item, depth + 1)) return false;
        return true;
      }
      return isPlainObject(value as Record<string, unknown>, depth);
    }
    default:
      return false;
  }
}

function isPlainObject(value: Record<string, unknown>, depth: number): boolean {
  for (const key of Object.keys(value)) {
    if (key === "__proto__" || !isPlainJson(value[key], depth + 1)) return false;
  }
  return true;
}

function isStruct(value: unknown): value is JsonObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    isPlainObject(value as Record<string, unknown>, 0)
  );
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key of Object.keys(value)) {
    if (key === "__proto__" || typeof (value as Record<string, unknown>)[key] !== "string") return false;
  }
  return true;
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Reads a parsed GatewayInterceptRequest (`withTimeout`) or GatewayNotifyRequest JSON
 * body when it is in the subset protobuf-es would read to the very same values: an
 * object whose keys are each field at most once (JSON or proto name), each of its
 * exact JSON type (timeout as an integer number). Undefined otherwise: the caller then
 * parses the body with protobuf-es.
 */
export function fastTopicCall(json: unknown, withTimeout: boolean): TopicCallFields | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  let topic = "";
  let payload: JsonObject | undefined;
  let requestId = "";
  let traceparent = "";
  let metadata = NO_METADATA;
  let timeoutMs = 0;
  let seen = 0;
  for (const key of Object.keys(body)) {
    const value = body[key];
    let bit: number;
    switch (key) {
      case "topic":
        if (typeof value !== "string") return undefined;
        topic = value;
        bit = 1;
        break;
      case "payload":
        if (!isStruct(value)) return undefined;
        payload = value;
        bit = 2;
        break;
      case "requestId":
      case "request_id":
        if (typeof value !== "string") return undefined;
        requestId = value;
        bit = 4;
        break;
      case "traceparent":
        if (typeof value !== "string") return undefined;
        traceparent = value;
        bit = 8;
        break;
      case "metadata":
        if (!isStringMap(value)) return undefined;
        metadata = value;
        bit = 16;
        break;
      case "timeoutMs":
      case "timeout_ms":
        if (!withTimeout || typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_UINT32)
          return undefined;
        timeoutMs = value;
        bit = 32;
        break;
      default:
        return undefined;
    }
    if (seen & bit) return undefined;
    seen |= bit;
  }
  return { topic, payload, requestId, traceparent, metadata, timeoutMs };
}

const outcomeNames: Record<ChainStep["outcome"], string> = {
  proceed: enumName(ChainStepOutcomeSchema.value, ChainStepOutcome.PROCEED),
  modify: enumName(ChainStepOutcomeSchema.value, ChainStepOutcome.MODIFY),
  reject: enumName(ChainStepOutcomeSchema.value, ChainStepOutcome.REJECT),
  "failed-open": enumName(ChainStepOutcomeSchema.value, ChainStepOutcome.FAILED_OPEN),
  "failed-closed": enumName(ChainStepOutcomeSchema.value, ChainStepOutcome.FAILED_CLOSED),
};

function enumName(values: Record<number, { name: string } | undefined>, value: number): string {
  const name = values[value]?.name;
  if (name === undefined) throw new Error(`enum value ${value} has no name`);
  return name;
}

const failModeNames = {
  open: enumName(FailModeSchema.value, FailMode.OPEN),
  closed: enumName(FailModeSchema.value, FailMode.CLOSED),
  unspecified: enumName(FailModeSchema.value, FailMode.UNSPECIFIED),
};

function stepJson(step: ChainStep): object | undefined {
  const outcome = outcomeNames[step.outcome];
  if (outcome === undefined || !Number.isFinite(step.durationMs)) return undefined;
  // Field-number order; fail_mode (5) and fail_mode_source (6) are implicit fields, always written.
  // Written out rather than spread from a shared object: one step per plugin per request (PROFILE.md, chains).
  const failMode = failModeNames[step.failMode?.mode ?? "unspecified"];
  const failModeSource = step.failMode?.source ?? "";
  if (!step.error) return { pluginId: step.pluginId, outcome, durationMs: step.durationMs, failMode, failModeSource };
  const code = ErrorCodeSchema.value[toContractCode(step.error.code)]?.name;
  if (code === undefined) return undefined;
  return {
    pluginId: step.pluginId,
    outcome,
    durationMs: step.durationMs,
    error: { code, message: step.error.message, details: { gateway_code: step.error.code, plugin_id: step.pluginId } },
    failMode,
    failModeSource,
  };
}

/**
 * The GatewayInterceptResponse JSON (every implicit field written, protobuf JSON names,
 * field-number order) for a verdict, as connect-node writes it with `alwaysEmitImplicit`.
 * `checkedPayload` is a payload already known to pass isPlainJson (the request's own);
 * any other payload is checked here. Undefined when the verdict holds something
 * protobuf-es writes differently (or refuses: non-finite numbers): the caller then
 * serializes with protobuf-es.
 */
export function interceptResponseJson(
  verdict: InterceptVerdict,
  checkedPayload: JsonObject | undefined,
): string | undefined {
  if (verdict.payload !== checkedPayload && !isStruct(verdict.payload)) return undefined;
  const steps: object[] = [];
  for (const step of verdict.steps) {
    const json = stepJson(step);
    if (json === undefined) return undefined;
    steps.push(json);
  }
  const out: Record<string, JsonValue | object> = {
    allowed: verdict.allowed,
    payload: verdict.payload,
    modified: verdict.modified,
  };
  const rejection = verdict.rejection;
  if (rejection)
    out.rejection = {
      pluginId: rejection.pluginId,
      reason: rejection.reason,
      code: rejection.code,
      failure: rejection.failure,
    };
  out.steps = steps;
  out.requestId = verdict.requestId;
  return JSON.stringify(out);
}

/** The GatewayNotifyResponse JSON for a receipt, as connect-node writes it. */
export function notifyResponseJson(receipt: NotifyReceipt): string {
  return JSON.stringify({ requestId: receipt.requestId, queuedFor: receipt.queuedFor, droppedFor: receipt.droppedFor });
}
