import { LIMITS as CONTRACT_LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

/** Largest InstallPlugin request: a 50 MiB bundle plus room for the signature and approval. */
export const MAX_INSTALL_REQUEST_BYTES = 50 * 1024 * 1024 + 64 * 1024;
/** Largest request of every other Admin method (ids, flags, filters): 64 KiB. */
export const DEFAULT_ADMIN_REQUEST_BYTES = 64 * 1024;

/** Per-method exceptions to DEFAULT_ADMIN_REQUEST_BYTES, by RPC name. */
const LIMITS: Readonly<Record<string, number>> = {
  InstallPlugin: MAX_INSTALL_REQUEST_BYTES,
  // A configuration as large as a plugin may save for itself, plus the envelope.
  SetConfig: CONTRACT_LIMITS.payloadBytes + 64 * 1024,
};

/**
 * The largest request body, in bytes, of the Admin method `name` (e.g. "InstallPlugin"). It
 * bounds the bytes on the wire (checked against Content-Length before reading, and while
 * reading a body without one) and the message after decompression alike.
 */
export function adminRequestLimit(name: string): number {
  return LIMITS[name] ?? DEFAULT_ADMIN_REQUEST_BYTES;
}
