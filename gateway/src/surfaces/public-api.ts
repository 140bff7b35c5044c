import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ChainStep as DispatchStep, Dispatcher, InterceptVerdict } from "../dispatch/dispatcher.js";
import {
  ChainStepOutcome,
  Gateway,
  type ChainStepSchema,
  type GatewayInterceptResponseSchema,
} from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import { invalidField, toCallOptions, transportContextOf } from "./call-options.js";
import { formatCommandLine, parseCommandLine } from "./command-line.js";
import { COMMAND_NAME_RULE, isCommandName } from "@polyplug/sdk/internal/contract/names.js";
import { REQUEST_ID_HEADER } from "@polyplug/sdk/internal/contract/headers.js";
import { toConnectError } from "./error-mapping.js";
import { toContractCode } from "@polyplug/sdk/internal/contract/codes.js";
import { toProtoFailMode } from "../dispatch/fail-mode-proto.js";
import { interceptCall, notifyCall } from "./gateway-calls.js";

/** Longest accepted ExecuteCommand `line`, in bytes. */
export const MAX_COMMAND_LINE_BYTES = 64 * 1024;
/** Most ExecuteCommand `args`. */
export const MAX_COMMAND_ARGS = 1024;

const outcomes: Record<DispatchStep["outcome"], ChainStepOutcome> = {
  proceed: ChainStepOutcome.PROCEED,
  modify: ChainStepOutcome.MODIFY,
  reject: ChainStepOutcome.REJECT,
  "failed-open": ChainStepOutcome.FAILED_OPEN,
  "failed-closed": ChainStepOutcome.FAILED_CLOSED,
};

/** A dispatcher step as a ChainStep message init (what connect-node serializes). */
export function toStep(step: DispatchStep): MessageInitShape<typeof ChainStepSchema> {
  return {
    pluginId: step.pluginId,
    outcome: outcomes[step.outcome],
    durationMs: step.durationMs,
    ...(step.error
      ? {
          error: {
            code: toContractCode(step.error.code),
            message: step.error.message,
            details: { gateway_code: step.error.code, plugin_id: step.pluginId },
          },
        }
      : {}),
    ...(step.failMode ? { failMode: toProtoFailMode(step.failMode.mode), failModeSource: step.failMode.source } : {}),
  };
}

/** A verdict as a GatewayInterceptResponse message init (what connect-node serializes). */
export function toInterceptResponse(
  verdict: InterceptVerdict,
): MessageInitShape<typeof GatewayInterceptResponseSchema> {
  return {
    requestId: verdict.requestId,
    allowed: verdict.allowed,
    payload: verdict.payload,
    modified: verdict.modified,
    steps: verdict.steps.map(toStep),
    ...(verdict.rejection ? { rejection: { ...verdict.rejection } } : {}),
  };
}

/** Runs a dispatcher call, mapping its errors to ConnectErrors and echoing the request id header. */
async function run<T extends { requestId: string }>(context: HandlerContext, call: () => Promise<T> | T): Promise<T> {
  try {
    const result = await call();
    context.responseHeader.set(REQUEST_ID_HEADER, result.requestId);
    return result;
  } catch (reason) {
    throw toConnectError(reason);
  }
}

/**
 * The polyplug.v1.Gateway implementation on top of a Dispatcher (see proto/polyplug/v1/
 * gateway.proto for the contract). Request fields are validated here (INVALID_ARGUMENT
 * naming the field); dispatcher failures become Connect errors through toConnectError.
 */
export function createGatewayService(dispatcher: Dispatcher): ServiceImpl<typeof Gateway> {
  return {
    async intercept(request, context) {
      const verdict = await run(context, () => interceptCall(dispatcher, request, transportContextOf(context)));
      return toInterceptResponse(verdict);
    },
    async notify(request, context) {
      const receipt = await run(context, () => notifyCall(dispatcher, request, transportContextOf(context)));
      return { requestId: receipt.requestId, queuedFor: [...receipt.queuedFor], droppedFor: [...receipt.droppedFor] };
    },
    async executeCommand(request, context) {
      const { command, args, raw } = commandOf(request);
      const options = toCallOptions(request, transportContextOf(context));
      const result = await run(context, () => dispatcher.executeCommand(command, args, raw, options));
      return {
        requestId: result.requestId,
        pluginId: result.pluginId,
        text: result.text,
        ...(result.data ? { data: result.data as JsonObject } : {}),
      };
    },
  };
}

function commandOf(request: { line: string; command: string; args: string[] }): {
  command: string;
  args: string[];
  raw: string;
} {
  if ((request.line === "") === (request.command === "")) {
    throw invalidField("line", "set exactly one of `line` (a command line) and `command` (with `args`)");
  }
  if (request.line !== "") {
    if (Buffer.byteLength(request.line) > MAX_COMMAND_LINE_BYTES)
      throw invalidField("line", `at most ${MAX_COMMAND_LINE_BYTES} bytes`);
    if (request.args.length > 0)
      throw invalidField("args", "only allowed with `command`; `line` carries its own arguments");
    const parsed = parseCommandLine(request.line);
    if ("error" in parsed) throw invalidField("line", parsed.error);
    return { ...parsed, raw: request.line };
  }
  if (!isCommandName(request.command))
    throw invalidField("command", `must match ${COMMAND_NAME_RULE} (no leading slash)`);
  if (request.args.length > MAX_COMMAND_ARGS) throw invalidField("args", `at most ${MAX_COMMAND_ARGS} arguments`);
  return { command: request.command, args: request.args, raw: formatCommandLine(request.command, request.args) };
}

/** Registers polyplug.v1.Gateway on a ConnectRouter (for connectNodeAdapter's `routes`). */
export function registerGatewayService(router: ConnectRouter, dispatcher: Dispatcher): void {
  router.service(Gateway, createGatewayService(dispatcher));
}
