import type { CheckFunction } from "../../check-context.js";
import { apiScript, casRace, gatewayApiRedial } from "./gateway-api-checks.js";
import {
  activate,
  command,
  concurrency,
  configurationChanged,
  deactivate,
  deadline,
  describe,
  handlerThrows,
  hookContext,
  intercept,
  nestedPayload,
  notify,
  payloadSize,
} from "./hook-checks.js";
import { httpDownload, httpEcho, httpFail } from "./http-checks.js";
import { stdoutAfterHandshake } from "./output-checks.js";

/** Contract checks (Polyplug conformance plugin behaviour), keyed by check kind. */
export const CONTRACT_CHECKS: Readonly<Record<string, CheckFunction>> = {
  describe,
  activate,
  deactivate,
  "configuration-changed": configurationChanged,
  intercept,
  "handler-throws": handlerThrows,
  "hook-context": hookContext,
  "nested-payload": nestedPayload,
  "payload-size": payloadSize,
  concurrency,
  deadline,
  notify,
  command,
  "api-script": apiScript,
  "cas-race": casRace,
  "gateway-api-redial": gatewayApiRedial,
  "http-echo": httpEcho,
  "http-download": httpDownload,
  "http-fail": httpFail,
  "stdout-after-handshake": stdoutAfterHandshake,
};
