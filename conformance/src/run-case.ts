import type { CaseResult } from "./case-result.js";
import type { CaseSpec } from "./case-spec.js";
import { createCheckContext, type CheckFunction } from "./check-context.js";
import { CaseNotApplicable, CheckFailure } from "./check-outcome.js";
import type { FeatureSet } from "./features.js";
import type { GatewayApiBackend } from "./gateway-api/gateway-api-backend.js";
import type { PluginTarget } from "./plugin-target.js";

function describeError(error: unknown): string {
  if (error instanceof CheckFailure || error instanceof CaseNotApplicable) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === "string" ? `[${code}] ` : ""}${error.message}`;
  }
  return String(error);
}

/**
 * Runs one case: the check with a time limit, then every cleanup. `knownFailing` inverts
 * the verdict the way connect's suite does (a listed case that passes is an error).
 */
export async function runCase(params: {
  spec: CaseSpec;
  check: CheckFunction;
  target: PluginTarget;
  features: FeatureSet;
  knownFailing: boolean;
  backendFactory: () => GatewayApiBackend;
}): Promise<CaseResult> {
  const { spec, knownFailing } = params;
  const trace: Array<{ step: string; detail?: unknown }> = [];
  const controller = new AbortController();
  const { context, dispose } = createCheckContext({
    spec,
    target: params.target,
    features: params.features,
    signal: controller.signal,
    trace: (step, detail) => void trace.push(detail === undefined ? { step } : { step, detail }),
    backendFactory: params.backendFactory,
  });
  const started = Date.now();
  let status: CaseResult["status"];
  let message: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new CheckFailure(`the case did not finish within ${spec.timeoutMs} ms`));
      }, spec.timeoutMs);
    });
    await Promise.race([params.check(context), timeout]);
    status = knownFailing ? "unexpected-pass" : "passed";
    if (knownFailing) message = "listed as known-failing but passed: remove it from the known-failing list";
  } catch (error) {
    if (error instanceof CaseNotApplicable) {
      status = "skipped";
      message = `not applicable: ${error.message}`;
    } else {
      status = knownFailing ? "known-failing" : "failed";
      message = describeError(error);
    }
  } finally {
    clearTimeout(timer);
    await dispose();
  }
  return { name: spec.name, description: spec.description, required: spec.required, status, message, durationMs: Date.now() - started, trace };
}
