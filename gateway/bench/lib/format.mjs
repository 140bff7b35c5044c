// Number formatting for the Markdown tables.

/** Microseconds as µs below 10 ms, else ms. @param {number} us */
export function time(us) {
  if (!Number.isFinite(us)) return "—";
  return us < 10_000 ? `${Math.round(us)} µs` : `${(us / 1000).toFixed(1)} ms`;
}

/** Milliseconds with one decimal. @param {number} ms */
export function ms(ms) {
  return Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : "—";
}

/** A ratio as "1.23×". @param {number} r */
export function times(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "—";
}

/** Calls per second, rounded. @param {number} n */
export function rate(n) {
  return Number.isFinite(n) ? `${Math.round(n).toLocaleString("en-US")}/s` : "—";
}

/** Bytes as MiB. @param {number} bytes */
export function mib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : "—";
}

/** "median / p99" of a latency summary. @param {{medianUs: number, p99Us: number}} s */
export function latency(s) {
  return `${time(s.medianUs)} / ${time(s.p99Us)}`;
}
