import type { CheckFunction } from "../../check-context.js";
/** Contract checks, keyed by check kind. */
export const CONTRACT_CHECKS: Readonly<Record<string, CheckFunction>> = {};
