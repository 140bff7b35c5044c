// Command line of `npm run bench`.

/** The suites in run order. */
export const SUITES = ["roundtrip", "payload", "startup", "e2e", "memory", "transports"];
/** Suites run only when named in --only (comparisons for one change, not the headline run). */
export const OPTIONAL_SUITES = ["fastpath", "store"];

/**
 * @typedef {object} BenchArgs
 * @property {boolean} quick   each benchmark very briefly (the test suite's smoke mode)
 * @property {string} outDir   where latest.json, latest.md and the timestamped copies go
 * @property {string[]} only   suites to run (default: all)
 */

const USAGE = `usage: npm run bench -- [--quick] [--out DIR] [--only SUITE[,SUITE...]]
  --quick   run each benchmark very briefly (numbers are not meaningful)
  --out     results folder (default gateway/bench/results)
  --only    ${SUITES.join(", ")} (default: all of these); also ${OPTIONAL_SUITES.join(", ")}`;

/**
 * Parses argv (without node and the script). Throws an Error naming the bad argument.
 * @param {readonly string[]} argv
 * @param {string} defaultOutDir
 * @returns {BenchArgs}
 */
export function parseArgs(argv, defaultOutDir) {
  const args = { quick: false, outDir: defaultOutDir, only: [...SUITES] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") args.quick = true;
    else if (arg === "--out" && argv[i + 1]) args.outDir = argv[++i];
    else if (arg === "--only" && argv[i + 1]) {
      args.only = argv[++i].split(",");
      const unknown = args.only.filter((s) => !SUITES.includes(s) && !OPTIONAL_SUITES.includes(s));
      if (unknown.length) throw new Error(`unknown suite ${unknown.join(", ")}\n${USAGE}`);
    } else if (arg === "--help" || arg === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  return args;
}
