// How much each benchmark runs. Full: sized for a 2-core machine and a few minutes in all.
// Quick (--quick): a handful of calls each, only to prove the harness works.

/**
 * @param {boolean} quick
 */
export function workloads(quick) {
  const q = (full, brief) => (quick ? brief : full);
  /** A measured phase: stops at `calls` or `durationMs`, never before `minCalls`. */
  const phase = (name, topic, concurrency, opts = {}) => ({
    name,
    topic,
    concurrency,
    payloadBytes: opts.payloadBytes ?? 0,
    warmup: q(opts.warmup ?? 300 * concurrency, 4),
    calls: q(opts.calls ?? 10_000_000, 20),
    minCalls: q(opts.minCalls ?? 20, 2),
    durationMs: q(opts.durationMs ?? 3000, 150),
  });
  return {
    phase,
    roundtrip: {
      plugins: ["go", "python"],
      phases: [
        // Warm (5,000 calls) and long (20,000) on both hosts: after 300 calls V8 still compiles
        // the call path on its background threads for ~6,000 more, taking a core from the plugin
        // and the host — most of the TS host's p99 in a 5,000-call window (PROFILE.md, row 6).
        phase("sequential", "conformance.echo", 1, { warmup: 5000, calls: 20_000, durationMs: 6000 }),
        phase("concurrency 16", "conformance.echo", 16),
        phase("concurrency 64", "conformance.echo", 64, { warmup: 2000 }),
      ],
      // Turns of the concurrency-64 phase per plugin (the hosts take turns going first); the turn
      // with the median TS/Go throughput ratio is reported: one window per host swung that ratio
      // 0.72-1.19x for the python plugin between full runs (PROFILE.md, issue 17, python at c=64).
      turns: q(3, 1),
    },
    payload: {
      plugins: ["go", "python"],
      sizes: [
        { label: "1 KB", bytes: 1024, calls: 2000 },
        { label: "64 KB", bytes: 64 * 1024, calls: 500 },
        { label: "1 MB", bytes: 1024 * 1024, calls: 60 },
        { label: "4 MB", bytes: 4 * 1024 * 1024, calls: 20 },
      ],
      warmup: q(5, 1),
      minCalls: q(5, 1),
      durationMs: q(3000, 150),
    },
    startup: { plugins: ["go", "python", "ts"], samples: q(10, 2) },
    // warmupMs / warmupCalls: each gateway is then loaded at least this long and this many
    // calls more before a measurement, so Polyplug is measured with its JIT warm, as a
    // long-running gateway is (its first seconds after start run at 2-6x the steady CPU per
    // request, and so does the load generator's own HTTP client, which is warmed on whichever
    // gateway goes first); the Go gateway gets the same.
    // POLYPLUG_BENCH_E2E_CHAINS=1 (a comma list) runs only those chains, for quick A/B runs.
    e2e: {
      chains: process.env.POLYPLUG_BENCH_E2E_CHAINS?.split(",").map(Number) ?? [1, 5, 10],
      concurrencies: [1, 64],
      durationMs: q(3000, 150),
      warmup: q(300, 4),
      warmupMs: q(3000, 0),
      warmupCalls: q(1000, 2),
      // Turns of Polyplug, the Go gateway and the Go chain for the longest chain (row 5).
      rounds: q(3, 1),
    },
    fastpath: { chains: [0, 1, 10], concurrencies: [1, 64], durationMs: q(1500, 100), warmup: q(100, 4) },
    memory: { counts: q([1, 10, 50], [1, 2]), idleMs: q(60_000, 0) },
    // public-cpu (optional suite): rounds of roundMs per server, interleaved, after warmupMs each.
    publicCpu: { concurrency: 64, rounds: q(7, 1), roundMs: q(1500, 150), warmupMs: q(3000, 100) },
    gatewayStart: {
      runs: q(
        [
          { plugins: 1, samples: 5 },
          { plugins: 10, samples: 3 },
        ],
        [{ plugins: 1, samples: 1 }],
      ),
    },
  };
}
