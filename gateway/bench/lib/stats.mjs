// Statistics shared by both hosts' results, so the TS host and the Go baseline are
// summarised by exactly the same code.

/**
 * The q-quantile (0..1) of `sorted` (ascending) by nearest rank; NaN when empty.
 * @param {readonly number[]} sorted
 * @param {number} q
 */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * @typedef {object} LatencySummary
 * @property {number} calls        measured calls
 * @property {number} errors       calls that failed (transport or plugin error)
 * @property {number} medianUs     median latency, microseconds
 * @property {number} p99Us        99th percentile latency, microseconds
 * @property {number} throughput   completed calls per second over the measured window
 */

/**
 * Summarises raw per-call latencies (microseconds) measured over `elapsedMs`.
 * @param {readonly number[]} latenciesUs
 * @param {number} elapsedMs
 * @param {number} errors
 * @returns {LatencySummary}
 */
export function summarise(latenciesUs, elapsedMs, errors = 0) {
  const sorted = [...latenciesUs].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    errors,
    medianUs: round(quantile(sorted, 0.5)),
    p99Us: round(quantile(sorted, 0.99)),
    throughput: elapsedMs > 0 ? round((sorted.length / elapsedMs) * 1000) : 0,
  };
}

/**
 * Median of a list of plain numbers (milliseconds, bytes...).
 * @param {readonly number[]} values
 */
export function median(values) {
  return round(
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    ),
  );
}

/**
 * `a / b` rounded to two decimals; NaN when either is missing or b is 0.
 * @param {number} a
 * @param {number} b
 */
export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return Math.round((a / b) * 100) / 100;
}

/** @param {number} value */
function round(value) {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : value;
}
