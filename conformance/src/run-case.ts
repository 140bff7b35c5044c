import type { CaseResult } from "./case-result.js";
import type { CaseSpec } from "./case-spec.js";
import { createCheckContext, type CheckFunction } from "./check-context.js";
import { CaseNotApplicable, CheckFailure } from "./check-outcome.js";
import type { FeatureSet } from "./features.js";
import type { GatewayApiBackend } from "./gateway-api/gateway-api-backend.js";
import type { HostSettings } from "./host-settings.js";
import type { PluginTarget } from "./plugin-target.js";

/** Longest failure message kept; longer ones are cut in the middle. */
const MAX_MESSAGE_CHARS = 1200;

/**
 * Makes a message readable: runs of the same `: `-separated part (decoders and nested
 * causes repeat theirs) collapse to one with a count, and the result is capped.
 */
export function shortenMessage(message: string): string {
  const parts = message.split(": ");
  const kept: string[] = [];
  for (let i = 0; i < parts.length; ) {
    let run = 1;
    while (i + run < parts.length && parts[i + run] === parts[i]) run++;
    kept.push(run > 1 ? `${parts[i]} (×${run})` : (parts[i] as string));
    i += run;
  }
  const text = kept.join(": ");
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const half = MAX_MESSAGE_CHARS / 2;
  return `${text.slice(0, half)} … [${text.length - MAX_MESSAGE_CHARS} characters left out] … ${text.slice(-half)}`;
}

function describeError(error: unknown): string {
  if (error instanceof CheckFailure || error instanceof CaseNotApplicable) return shortenMessage(error.message);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return shortenMessage(`${typeof code === "string" ? `[${code}] ` : ""}${error.message}`);
  }
  return shortenMessage(String(error));
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
  settings: HostSettings;
  knownFailing: boolean;
  backendFactory: () => GatewayApiBackend;
}): Promise<CaseResult> {
  const { spec, knownFailing } = params;
  const trace: Array<{ step: string; detail?: unknown }> = [];
  const controller = new AbortController();
  let lastProgress: string | undefined;
  const { context, dispose } = createCheckContext({
    spec,
    target: params.target,
    features: params.features,
    settings: params.settings,
    signal: controller.signal,
    trace: (step, detail) => void trace.push(detail === undefined ? { step } : { step, detail }),
    progress: (summary) => {
      lastProgress = summary;
    },
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
        reject(
          new CheckFailure(
            `the case did not finish within ${spec.timeoutMs} ms${lastProgress ? `; by then: ${lastProgress}` : " (the check reported no progress)"}`,
          ),
        );
      }, spec.timeoutMs);
    });
    await Promise.race([params.check(context), timeout]);
    status = knownFailing ? "unexpected-pass" : "passed";
    if (knownFailing) message = "listed as known-failing but passed: remove it from the known-failing list";
  } catch (error) {
    if (error instanceof CaseNotApplicable) {
      status = "skipped";
      message = `not applicable to this plugin: ${error.message}`;
    } else {
      status = knownFailing ? "known-failing" : "failed";
      message = describeError(error);
    }
  } finally {
    clearTimeout(timer);
    await dispose();
  }
  return {
    name: spec.name,
    description: spec.description,
    required: spec.required,
    status,
    message,
    durationMs: Date.now() - started,
    trace,
  };
}
