import { ErrorCode, PolyplugError } from "../errors.js";
import { POLYPLUG_HANDSHAKE, type HandshakeConfig } from "@polyplug/sdk/internal/goplugin/handshake-config.js";

// Command-line options shared by the commands that launch an arbitrary go-plugin plugin
// (`polyplug probe`, `polyplug conformance`), parsed one way.

/** `--cookie KEY=VALUE` → cookie key and value; Polyplug's cookie when undefined. */
export function parseCookie(value: string | undefined): Pick<HandshakeConfig, "magicCookieKey" | "magicCookieValue"> {
  if (value === undefined) return POLYPLUG_HANDSHAKE;
  const eq = value.indexOf("=");
  if (eq <= 0)
    throw new PolyplugError(ErrorCode.InvalidArgument, `--cookie must be KEY=VALUE, got ${JSON.stringify(value)}`);
  return { magicCookieKey: value.slice(0, eq), magicCookieValue: value.slice(eq + 1) };
}

/** `--protocol-versions 1,2` → [1, 2]; Polyplug's versions when undefined. */
export function parseVersions(value: string | undefined): number[] {
  if (value === undefined) return [...POLYPLUG_HANDSHAKE.protocolVersions];
  const parts = value.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^[0-9]+$/.test(part))) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--protocol-versions must be a comma-separated list of integers, got ${JSON.stringify(value)}`,
    );
  }
  return parts.map(Number);
}

/** A timeout option in seconds (`name` for the message) → milliseconds; `defaultMs` when undefined. */
export function parseSeconds(value: string | undefined, defaultMs: number, name = "--timeout"): number {
  if (value === undefined) return defaultMs;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${name} must be a positive number of seconds, got ${JSON.stringify(value)}`,
    );
  return Math.round(seconds * 1000);
}
