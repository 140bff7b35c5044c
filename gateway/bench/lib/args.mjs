// Command line of `npm run bench`. The suites themselves are listed in run.mjs.

/**
 * @typedef {object} SuiteEntry
 * @property {string} name        the file suites/<name>.mjs
 * @property {boolean} [optional] run only when named in --only (comparisons for one change, not the headline run)
 */

/**
 * @typedef {object} BenchArgs
 * @property {boolean} quick   each benchmark very briefly (the test suite's smoke mode)
 * @property {string} outDir   where latest.json, latest.md and the timestamped copies go
 * @property {string[]} only   suites to run (default: every suite that is not optional)
 * @property {boolean} readme  also put the issue #17 goals table into the repository README
 */

/** @param {readonly SuiteEntry[]} suites */
function usage(suites) {
  const names = (optional) =>
    suites
      .filter((s) => Boolean(s.optional) === optional)
      .map((s) => s.name)
      .join(", ");
  return `usage: npm run bench -- [--quick] [--out DIR] [--only SUITE[,SUITE...]] [--readme]
  --quick   run each benchmark very briefly (numbers are not meaningful)
  --readme  also write the issue #17 goals table into README.md (full runs only)
  --out     results folder (default gateway/bench/results)
  --only    ${names(false)} (default: all of these); also ${names(true)}`;
}

/**
 * Parses argv (without node and the script). Throws an Error naming the bad argument.
 * @param {readonly string[]} argv
 * @param {string} defaultOutDir
 * @param {readonly SuiteEntry[]} suites  every suite, in run order
 * @returns {BenchArgs}
 */
export function parseArgs(argv, defaultOutDir, suites) {
  const args = {
    quick: false,
    readme: false,
    outDir: defaultOutDir,
    only: suites.filter((s) => !s.optional).map((s) => s.name),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") args.quick = true;
    else if (arg === "--readme") args.readme = true;
    else if (arg === "--out" && argv[i + 1]) args.outDir = argv[++i];
    else if (arg === "--only" && argv[i + 1]) {
      args.only = argv[++i].split(",");
      const unknown = args.only.filter((name) => !suites.some((s) => s.name === name));
      if (unknown.length) throw new Error(`unknown suite ${unknown.join(", ")}\n${usage(suites)}`);
    } else if (arg === "--help" || arg === "-h") throw new Error(usage(suites));
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${usage(suites)}`);
  }
  if (args.readme && args.quick)
    throw new Error(`--readme needs a full run: --quick numbers are not meaningful\n${usage(suites)}`);
  return args;
}
