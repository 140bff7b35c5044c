/**
 * Environment variable naming a file: `polyplug serve` then records when each step of its
 * start was reached, and bin/polyplug.js writes them there as JSON when the process exits
 * (bench/suites/gateway-start.mjs reports them; issue 17, gateway/bench/PROFILE.md).
 */
export const START_TIMELINE_ENV = "POLYPLUG_START_TIMELINE";

/** Prefix of the performance marks bin/polyplug.js collects. */
const PREFIX = "polyplug:";

/**
 * Marks that the start reached `step` (a performance mark, ms since the process started),
 * only when $POLYPLUG_START_TIMELINE is set: a gateway that is not being measured keeps no marks.
 */
export function markStart(step: string): void {
  if (process.env[START_TIMELINE_ENV]) performance.mark(PREFIX + step);
}
