// Errors as data (proto/README.md §8.1): a plugin's polyplug.v1.Error, read by the gateway.
import type { Error as ContractError } from "../gen/polyplug/v1/common_pb.js";
import { ErrorCode, PolyplugError, type ErrorDetails } from "../errors.js";
import { readContractCodeName } from "./codes.js";
import { LIMITS } from "./limits.js";

/**
 * `text` cut to at most `maxBytes` of UTF-8 (default: the contract's 4 KiB for Error.message),
 * ending in "..." when cut; never splits a character.
 */
export function truncateErrorMessage(text: string, maxBytes: number = LIMITS.errorMessageBytes): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  return (
    bytes
      .subarray(0, maxBytes - 3)
      .toString("utf8")
      .replace(/\uFFFD$/, "") + "..."
  );
}

/**
 * The PolyplugError for a contract Error a plugin answered (Activate, Intercept, ExecuteCommand...):
 * code `plugin_failed` (the plugin's handler failed, whatever code it chose), message
 * `<context>: <CODE>: <plugin's message>` (the plugin's message cut to 4 KiB, §8.3), details
 * the plugin's details plus `contractCode` (the code's name; UNSPECIFIED and unknown numbers
 * read as INTERNAL, §8.3) and `extra`, which win over the plugin's keys.
 */
export function fromContractError(error: ContractError, context?: string, extra: ErrorDetails = {}): PolyplugError {
  const name = readContractCodeName(error.code);
  const message = `${name}: ${truncateErrorMessage(error.message)}`;
  return new PolyplugError(ErrorCode.PluginFailed, context ? `${context}: ${message}` : message, {
    details: { ...error.details, ...extra, contractCode: name },
  });
}
